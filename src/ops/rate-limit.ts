/**
 * The one GitHub rate-limit waiter of the CLI (fetch-issues, backfill, report).
 * The CLI turns Octokit's throttling plugin off and uses this guard instead, because here the wait must be
 * visible (logged or reported), bounded, and take an injected sleep, rather than a silent retry inside the plugin.
 */
import type { GitHubClient } from '../vocabulary';
import type { Logger } from '../log/logger';

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

type Headers = Record<string, string | number | undefined>;

function header(headers: Headers | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return v === undefined ? undefined : String(v);
}

/**
 * How long to wait before the next request, or null to go on.
 * - `retry-after` (secondary limits, 429): that many seconds.
 * - `x-ratelimit-remaining` at or below `reserve`: until `x-ratelimit-reset` (+1 s of clock-skew margin).
 */
function rateLimitDelay(headers: Headers | undefined, nowMs: number, reserve = 0): number | null {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const remaining = header(headers, 'x-ratelimit-remaining');
  const reset = header(headers, 'x-ratelimit-reset');
  if (remaining !== undefined && Number(remaining) <= reserve && reset !== undefined) {
    return Math.max(0, Number(reset) * 1000 - nowMs) + 1000;
  }
  return null;
}

export interface RateLimitOptions {
  sleep?: Sleep;
  now?: () => number;
  logger?: Logger;
  /** Told of every wait before it starts (fetch-issues prints it). */
  onWait?: (ms: number, why: string) => void;
  /** Pause once this few requests are left, keeping some budget for the app's live traffic. Default 0. */
  reserve?: number;
  /** Retries of one request after a rate-limit rejection. Default 3. */
  maxRetries?: number;
  /** Longest single wait; GitHub's primary reset is at most an hour away. Default 1 h. */
  maxWaitMs?: number;
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Headers };
}

/** GitHub asks to wait at least a minute after a secondary limit that names no `retry-after`. */
const SECONDARY_LIMIT_DEFAULT_WAIT_MS = 60_000;

/** Installs the guard on an Octokit instance; every request (REST and GraphQL) goes through it. */
export function guardRateLimit(octokit: Pick<GitHubClient, 'hook'>, opts: RateLimitOptions = {}): void {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const maxRetries = opts.maxRetries ?? 3;
  const maxWaitMs = opts.maxWaitMs ?? 3_600_000;
  const reserve = opts.reserve ?? 0;
  // A wait owed from the previous response (budget exhausted) is paid before the next request, not after the last.
  let owed = 0;

  const wait = async (ms: number, why: string) => {
    const bounded = Math.min(ms, maxWaitMs);
    opts.logger?.warn({ waitMs: bounded, why }, 'GitHub rate limit: waiting');
    opts.onWait?.(bounded, why);
    await sleep(bounded);
  };

  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      if (owed > 0) {
        const ms = owed;
        owed = 0;
        await wait(ms, 'budget exhausted');
      }
      try {
        const response = await request(options);
        owed = rateLimitDelay(response.headers as Headers, now(), reserve) ?? 0;
        return response;
      } catch (err) {
        const e = err as RequestErrorLike;
        const limited = e.status === 403 || e.status === 429;
        let delay = limited ? rateLimitDelay(e.response?.headers, now(), 0) : null;
        if (delay === null && limited && /secondary rate limit|abuse/i.test(e.message ?? '')) {
          delay = SECONDARY_LIMIT_DEFAULT_WAIT_MS;
        }
        if (delay === null || attempt >= maxRetries) throw err;
        await wait(delay, `HTTP ${e.status}`);
      }
    }
  });
}
