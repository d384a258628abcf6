import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createLambdaFunction } from '@probot/adapter-aws-lambda-serverless';
import { Probot, ProbotOctokit } from 'probot';
import { createApp, type AppDeps } from '../app';
import { createGlobalConfigStore, DEFAULT_CONFIG_TTL_MS, parseIssueLocator } from '../config/global-config';
import { fetchWithTimeout, githubRequestTimeoutFromEnv, LAMBDA_GITHUB_REQUEST_TIMEOUT_MS, withRequestTimeout } from '../github/request-timeout';
import { createLogger, type Logger } from '../log/logger';
import type { Classifier } from '../ml/types';
import { publisherFromEnv } from '../pubsub/publisher';
import { loadSecrets, type FetchLike } from './secrets';
import { createWebhookHandler, type AdapterFunction } from './webhook-handler';

/**
 * Production wiring of the Lambda (and of `npm run dev`'s app): everything comes from the environment.
 * Called once at module scope so the model and the Probot instance live as long as the Lambda instance.
 */
export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  loadClassifier: (dir: string) => Promise<Classifier>;
  fetch?: FetchLike;
  /** Octokit class override (tests pass one with retries off). */
  Octokit?: typeof ProbotOctokit;
}

/**
 * A relative MODEL_DIR is looked up under the Lambda task root, then the working directory (serverless-offline
 * sets LAMBDA_TASK_ROOT=/var/task while running from the project directory).
 */
export function modelDirFromEnv(env: NodeJS.ProcessEnv): string {
  const dir = env.MODEL_DIR || 'models/universal';
  if (isAbsolute(dir)) return dir;
  const candidates = [env.LAMBDA_TASK_ROOT, process.cwd()].filter((d): d is string => Boolean(d)).map((d) => join(d, dir));
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

/** Waiting longer than this for a rate limit would blow GitHub's 10 s webhook window; give up instead. */
const MAX_RATE_LIMIT_WAIT_S = 2;

/**
 * Octokit defaults that fit the webhook window: one retry (Octokit's default of 3 with quadratic backoff can take
 * 14 s), rate-limit waits only when short, a deadline per request (a request that never answers would otherwise
 * hold the webhook past the Lambda timeout), and GITHUB_API_URL for the local stand-in. A function so the settings
 * survive Probot passing its own throttle options to installation clients.
 */
export function webhookWindowOctokit(Base: typeof ProbotOctokit, baseUrl?: string, requestTimeoutMs = LAMBDA_GITHUB_REQUEST_TIMEOUT_MS): typeof ProbotOctokit {
  const shortWait = (retryAfter: number) => retryAfter <= MAX_RATE_LIMIT_WAIT_S;
  return Base.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    ...(baseUrl ? { baseUrl } : {}),
    ...withRequestTimeout(instance, requestTimeoutMs),
    retry: { retries: 1, ...(instance.retry as object | undefined) },
    throttle: {
      ...(instance.throttle as object | undefined),
      onRateLimit: shortWait,
      onSecondaryRateLimit: shortWait,
    },
  })) as typeof ProbotOctokit;
}

/** The app's dependencies from the environment; shared by the Lambda and the local Probot server (`npm run dev`). */
export function appDepsFromEnv(env: NodeJS.ProcessEnv, loadClassifier: () => Promise<Classifier>, log: Logger): AppDeps {
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
  classifier().catch((err: unknown) => log.error({ err: (err as Error).message, model_dir: modelDir }, 'universal model failed to load'));

  const init = async () => {
    const secrets = await loadSecrets(env, opts.fetch);
    const baseUrl = env.GITHUB_API_URL || undefined;
    const requestTimeoutMs = githubRequestTimeoutFromEnv(env, LAMBDA_GITHUB_REQUEST_TIMEOUT_MS);
    const Octokit = webhookWindowOctokit(opts.Octokit ?? ProbotOctokit, baseUrl, requestTimeoutMs);
    const probot = new Probot({
      appId: secrets.appId,
      privateKey: secrets.privateKey,
      secret: secrets.webhookSecret,
      Octokit,
      // Probot's installation-token request goes through its own `request`, not the Octokit defaults above.
      request: { fetch: fetchWithTimeout(requestTimeoutMs) },
      log: createLogger('probot'),
      ...(baseUrl ? { baseUrl } : {}),
    });
    const app = createApp(appDepsFromEnv({ ...env, GCP_CREDENTIALS_JSON: secrets.gcpCredentialsJson ?? env.GCP_CREDENTIALS_JSON }, classifier, log));
    const adapter = createLambdaFunction(app, { probot }) as unknown as AdapterFunction;
    return { secret: secrets.webhookSecret, adapter, probot };
  };

  return { handler: createWebhookHandler({ init, log }), classifier };
}
