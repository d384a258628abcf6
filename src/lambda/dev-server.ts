import { existsSync } from 'node:fs';
import { Probot, run, Server, type ApplicationFunction } from 'probot';
import { createApp } from '../app';
import { probotOptions } from '../github/create-probot';
import { appCredentialsFromEnv } from '../github/octokit';
import { DEFAULT_GITHUB_REQUEST_TIMEOUT_MS, githubRequestTimeoutFromEnv } from '../github/request-timeout';
import { errorFields } from '../log/error-fields';
import { createLogger } from '../log/logger';
import { appDepsFromEnv, memoizeClassifier, modelDirFromEnv } from './runtime';
import { loadUniversalClassifier } from './universal-model';

/**
 * `npm run dev`: the same app on Probot's own HTTP server (port 3000, `/api/github/webhooks`, webhooks through smee.io
 * when WEBHOOK_PROXY_URL is set), with the Probot built by the same factory as the Lambda's. Without APP_ID it hands
 * over to `probot run`'s setup mode, which serves the "Register GitHub App" page.
 */
// APP_ID, PRIVATE_KEY(_PATH), WEBHOOK_SECRET, WEBHOOK_PROXY_URL … from .env, as `probot run` reads them.
if (existsSync('.env')) process.loadEnvFile('.env');
const log = createLogger('app');
const env = process.env;
const dir = modelDirFromEnv(env);
const classifier = memoizeClassifier(() => loadUniversalClassifier(dir));
classifier().catch((err: unknown) =>
  log.error({ err: errorFields(err), model_dir: dir }, 'universal model failed to load'),
);
const app: ApplicationFunction = createApp(appDepsFromEnv(env, classifier, log));

async function main(): Promise<void> {
  if (!env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) {
    await run(app);
    return;
  }
  const creds = appCredentialsFromEnv(env);
  const options = probotOptions({
    ...creds,
    secret: env.WEBHOOK_SECRET,
    requestTimeoutMs: githubRequestTimeoutFromEnv(env, DEFAULT_GITHUB_REQUEST_TIMEOUT_MS),
    webhookWindow: true,
  });
  const server = new Server({
    Probot: Probot.defaults(options),
    // The Server constructs its Probot with `{ request }`, which would otherwise replace the factory's.
    request: options.request,
    port: Number(env.PORT) || 3000,
    host: env.HOST,
    webhookPath: env.WEBHOOK_PATH,
    webhookProxy: env.WEBHOOK_PROXY_URL,
  });
  await server.load(app);
  await server.start();
}

main().catch((err: unknown) => {
  log.error({ err: errorFields(err) }, 'dev server failed to start');
  process.exit(1);
});
