/**
 * AWS Lambda entry (serverless.yml: `handler.webhooks`). Module scope runs once per Lambda instance: it starts
 * loading the universal model and prepares the Probot app; the wrapper in src/lambda/ does the HTTP work.
 */
import { createRuntime } from './src/lambda/runtime';
import { loadUniversalClassifier } from './src/lambda/universal-model';

const runtime = createRuntime({ loadClassifier: loadUniversalClassifier });

export const webhooks = runtime.handler;
