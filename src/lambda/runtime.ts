import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ProbotOctokit } from 'probot';
import { createApp, type AppDeps } from '../app';
import { createGlobalConfigStore, DEFAULT_CONFIG_TTL_MS, parseIssueLocator } from '../config/global-config';
import { createProbot } from '../github/create-probot';
import { githubRequestTimeoutFromEnv, LAMBDA_GITHUB_REQUEST_TIMEOUT_MS } from '../github/request-timeout';
import { errorFields } from '../log/error-fields';
import { createLogger, type Logger } from '../log/logger';
import type { Classifier } from '../ml/types';
import { DEFAULT_PUBLISH_TIMEOUT_MS, publisherFromEnv } from '../pubsub/publisher';
import { loadSecrets, type FetchLike } from './secrets';
import { createWebhookHandler } from './webhook-handler';

/**
 * Production wiring of the Lambda (and of `npm run dev`'s app): everything comes from the environment.
 * Called once at module scope so the model and the Probot instance live as long as the Lambda instance.
 */
export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  loadClassifier: (dir: string) => Promise<Classifier>;
  fetch?: FetchLike;
  /** Octokit class to start from (default ProbotOctokit), e.g. one with other retry or throttle defaults. */
  Octokit?: typeof ProbotOctokit;
}

/**
 * A relative MODEL_DIR is looked up under the Lambda task root, then the working directory (serverless-offline
 * sets LAMBDA_TASK_ROOT=/var/task while running from the project directory).
 */
export function modelDirFromEnv(env: NodeJS.ProcessEnv): string {
  const dir = env.MODEL_DIR || 'models/universal';
  if (isAbsolute(dir)) return dir;
  const candidates = [env.LAMBDA_TASK_ROOT, process.cwd()]
    .filter((d): d is string => Boolean(d))
    .map((d) => join(d, dir));
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Loads once; a failed load is retried on the next call instead of poisoning the instance. */
export function memoizeClassifier(load: () => Promise<Classifier>): () => Promise<Classifier> {
  let pending: Promise<Classifier> | null = null;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

/** The app's dependencies from the environment; shared by the Lambda and the local Probot server (`npm run dev`). */
export function appDepsFromEnv(
  env: NodeJS.ProcessEnv,
  loadClassifier: () => Promise<Classifier>,
  log: Logger,
): AppDeps {
  const configStore = env.CONFIG_ISSUE
    ? createGlobalConfigStore({
        ref: parseIssueLocator(env.CONFIG_ISSUE),
        ttlMs: env.CONFIG_TTL_SECONDS ? Number(env.CONFIG_TTL_SECONDS) * 1000 : DEFAULT_CONFIG_TTL_MS,
      })
    : null;
  if (!configStore) log.warn('CONFIG_ISSUE is not set: no rollout, every issue gets universal labels');
  const publisher = publisherFromEnv(env, log);
  return { loadClassifier, publisher, configStore, log };
}

export function createRuntime(opts: RuntimeOptions) {
  const env = opts.env ?? process.env;
  const log = createLogger('lambda');
  const modelDir = modelDirFromEnv(env);
  const classifier = memoizeClassifier(() => opts.loadClassifier(modelDir));
  // Start loading now (module scope), so the first webhook rarely waits for ONNX session creation.
  classifier().catch((err: unknown) =>
    log.error({ err: errorFields(err), model_dir: modelDir }, 'universal model failed to load'),
  );

  const init = async () => {
    const secrets = await loadSecrets(env, opts.fetch);
    const probot = createProbot({
      appId: secrets.appId,
      privateKey: secrets.privateKey,
      secret: secrets.webhookSecret,
      baseUrl: env.GITHUB_API_URL || undefined,
      requestTimeoutMs: githubRequestTimeoutFromEnv(env, LAMBDA_GITHUB_REQUEST_TIMEOUT_MS),
      // One retry and short rate-limit waits only, and a deadline per request: GitHub's 10 s webhook window.
      webhookWindow: true,
      Octokit: opts.Octokit,
    });
    await probot.load(
      createApp(
        appDepsFromEnv(
          { ...env, GCP_CREDENTIALS_JSON: secrets.gcpCredentialsJson ?? env.GCP_CREDENTIALS_JSON },
          classifier,
          log,
        ),
      ),
    );
    return { secret: secrets.webhookSecret, probot };
  };

  // The GitHub calls stop in time for the hand-off publish to run its full timeout before Lambda's.
  const handOffReserveMs = env.PUBLISH_TIMEOUT_MS ? Number(env.PUBLISH_TIMEOUT_MS) : DEFAULT_PUBLISH_TIMEOUT_MS;
  return { handler: createWebhookHandler({ init, log, handOffReserveMs }), classifier };
}
