import { Probot, ProbotOctokit, type Options } from 'probot';
import { createLogger, type Logger } from '../log/logger';
import { fetchWithTimeout, withRequestTimeout } from './request-timeout';
import { budgetThrottleOptions, installationBudget } from './throttle';
import { invocationDeadlinePlugin } from './invocation-deadline';

/**
 * The one place a Probot is built: the Lambda (src/lambda/runtime.ts), `npm run dev` (src/lambda/dev-server.ts), the
 * worker and the CLI (src/github/octokit.ts). What differs between them is an option here, never a second
 * construction.
 */
export interface CreateProbotOptions {
  appId: string | number;
  privateKey: string;
  /** The webhook secret; only processes that receive webhooks (Lambda, dev server) need one. */
  secret?: string;
  /** GITHUB_API_URL: GitHub Enterprise, or another GitHub-compatible API. */
  baseUrl?: string;
  /** Deadline per GitHub request, installation-token requests included (ms, 0 = none). */
  requestTimeoutMs: number;
  /**
   * Fit GitHub's 10 s webhook window: one retry (Octokit's default of 3 with quadratic backoff can take 14 s) and
   * rate-limit waits only when they are short. For the webhook receivers; the worker and CLI can wait.
   */
  webhookWindow?: boolean;
  /** Extra Octokit defaults, e.g. `{ retry: { enabled: false }, throttle: { enabled: false } }`. */
  octokitDefaults?: Record<string, unknown>;
  /** Octokit class to start from (default ProbotOctokit). */
  Octokit?: typeof ProbotOctokit;
  log?: Logger;
}

/** Waiting longer than this for a rate limit would blow the webhook window; give up instead. */
export const MAX_RATE_LIMIT_WAIT_S = 2;

/** `installation:<id>` for installation clients (webhook and `probot.auth(id)` alike), else `app`. */
function throttleId(instance: Record<string, unknown>): string {
  const installationId = (instance.auth as { installationId?: unknown } | undefined)?.installationId;
  return installationId ? `installation:${String(installationId)}` : 'app';
}

/** The Probot constructor options; `Probot.defaults(probotOptions(…))` is the class Probot's own Server wants. */
export function probotOptions(opts: CreateProbotOptions): Options {
  const extra = opts.octokitDefaults ?? {};
  const shortWait = (retryAfter: number) => retryAfter <= MAX_RATE_LIMIT_WAIT_S;
  const window = opts.webhookWindow
    ? { retry: { retries: 1 }, throttle: { onRateLimit: shortWait, onSecondaryRateLimit: shortWait } }
    : null;
  // One budget per Probot (per process in practice): every client of one installation shares its slots and writes.
  const budget = budgetThrottleOptions(
    installationBudget({ maxWaitMs: opts.webhookWindow ? MAX_RATE_LIMIT_WAIT_S * 1000 : undefined }),
  );
  // A function, not an object: Probot passes its own `throttle`/`retry` to installation clients, and an object default
  // would be shallow-overridden (e.g. a caller's `throttle: { enabled: false }` silently lost).
  const Base = (opts.Octokit ?? ProbotOctokit).plugin(invocationDeadlinePlugin as never) as typeof ProbotOctokit;
  const Octokit = Base.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...extra,
    retry: { ...window?.retry, ...(instance.retry as object | undefined), ...(extra.retry as object | undefined) },
    throttle: {
      ...(instance.throttle as object | undefined),
      ...budget,
      // Keyed by installation: Probot's webhook clients carry no throttle id, so they all shared one key.
      id: throttleId(instance),
      ...window?.throttle,
      ...(extra.throttle as object | undefined),
    },
    ...withRequestTimeout(
      { request: { ...(instance.request as object | undefined), ...(extra.request as object | undefined) } },
      opts.requestTimeoutMs,
    ),
  })) as typeof ProbotOctokit;
  return {
    appId: opts.appId,
    privateKey: opts.privateKey,
    ...(opts.secret ? { secret: opts.secret } : {}),
    Octokit,
    // Probot's installation-token request goes through its own `request`, not the Octokit defaults above.
    request: { fetch: fetchWithTimeout(opts.requestTimeoutMs) },
    log: opts.log ?? createLogger('probot'),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
  };
}

export function createProbot(opts: CreateProbotOptions): Probot {
  return new Probot(probotOptions(opts));
}
