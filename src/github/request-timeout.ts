/**
 * A per-request deadline for every GitHub call. Without one, Octokit on Node's fetch waits up to undici's 300 s for
 * response headers: one request that never answers holds a webhook past the Lambda's 9 s timeout (GitHub records a
 * failed delivery and never redelivers), or a worker's concurrency slot while the lease keeps being extended.
 *
 * The deadline is applied in the `fetch` Octokit calls, so it covers every attempt separately (the retry plugin's
 * retry gets a fresh deadline) and the installation-token request too. A timed-out request surfaces as Octokit's
 * "fetch failed" RequestError (status 500): retried by the retry plugin and classified transient by `errors.ts`.
 */

/** Lambda: a timed-out request, its one retry (1 s backoff) and the worker hand-off publish (≤ 3 s) fit in 9 s. */
export const LAMBDA_GITHUB_REQUEST_TIMEOUT_MS = 2_000;
/** Worker and CLI: no webhook window to fit in; long enough for a slow GraphQL read or a 100-item page. */
export const DEFAULT_GITHUB_REQUEST_TIMEOUT_MS = 10_000;

import { githubTimeLeftMs } from './invocation-deadline';

type Fetch = typeof globalThis.fetch;

const TIMED = Symbol('label-bot.timed-fetch');

/**
 * `GITHUB_REQUEST_TIMEOUT_MS` from the environment: a positive number of milliseconds, `0` = no deadline (not
 * recommended), unset = `fallback`. Anything else fails at start-up rather than silently running without a deadline.
 */
export function githubRequestTimeoutFromEnv(env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = env.GITHUB_REQUEST_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0)
    throw new Error(
      `GITHUB_REQUEST_TIMEOUT_MS must be a number of milliseconds ≥ 0, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return ms;
}

/**
 * Wraps `base` (default: `globalThis.fetch`, looked up per call so HTTP interceptors installed later still apply) so
 * each call is aborted after `timeoutMs`; a caller's own signal still works. Wrapping twice is a no-op.
 */
export function fetchWithTimeout(timeoutMs: number, base?: Fetch): Fetch {
  if (base && (base as Fetch & { [TIMED]?: true })[TIMED]) return base;
  const perRequest = timeoutMs > 0 ? timeoutMs : Number.POSITIVE_INFINITY;
  const timed: Fetch = async (input, init) => {
    // Inside a Lambda invocation, never past the point where the hand-off must start (invocation-deadline.ts).
    const ms = Math.min(perRequest, githubTimeLeftMs());
    if (ms === Number.POSITIVE_INFINITY) return (base ?? globalThis.fetch)(input, init);
    const deadline = AbortSignal.timeout(Math.max(0, ms));
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await (base ?? globalThis.fetch)(input, { ...init, signal });
    } catch (err) {
      if (!deadline.aborted || init?.signal?.aborted) throw err;
      // Octokit turns this into its "fetch failed" RequestError (status 500) with our message; the name and code
      // keep it recognisable as a network timeout wherever it surfaces unwrapped.
      throw Object.assign(
        new Error(`GitHub request timed out after ${Math.max(0, Math.round(ms))} ms`, { cause: err }),
        { name: 'TimeoutError', code: 'ETIMEDOUT' },
      );
    }
  };
  return Object.assign(timed, { [TIMED]: true as const });
}

/**
 * Octokit option merge for `.defaults(fn)`: keeps the instance's other `request` options and wraps its fetch (if
 * any) with the deadline.
 */
export function withRequestTimeout(
  instance: Record<string, unknown>,
  timeoutMs: number,
): { request: Record<string, unknown> } {
  const request = (instance.request as Record<string, unknown> | undefined) ?? {};
  return { request: { ...request, fetch: fetchWithTimeout(timeoutMs, request.fetch as Fetch | undefined) } };
}
