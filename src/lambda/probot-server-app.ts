import type { ApplicationFunction } from 'probot';
import { createApp } from '../app';
import { createLogger } from '../log/logger';
import { loadUniversalClassifier } from './universal-model';
import { appDepsFromEnv, memoizeClassifier, modelDirFromEnv } from './runtime';

/**
 * The same app for Probot's own server (`npm run dev`: `probot run dist/app.cjs`, webhooks via smee.io when
 * WEBHOOK_PROXY_URL is set). Probot reads APP_ID, PRIVATE_KEY(_PATH), WEBHOOK_SECRET itself.
 */
const appFn: ApplicationFunction = (app, options) => {
  const log = createLogger('app');
  const dir = modelDirFromEnv(process.env);
  const classifier = memoizeClassifier(() => loadUniversalClassifier(dir));
  classifier().catch((err: unknown) => log.error({ err: (err as Error).message, model_dir: dir }, 'universal model failed to load'));
  return createApp(appDepsFromEnv(process.env, classifier, log))(app, options);
};

export default appFn;
