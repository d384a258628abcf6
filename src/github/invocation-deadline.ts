import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time left in the current Lambda invocation, carried through everything one webhook does (Probot's handlers,
 * Octokit's plugins and retries, the token fetch) by AsyncLocalStorage, so that no call has to be handed a deadline.
 *
 * The webhook handler opens a scope from `context.getRemainingTimeInMillis()`: GitHub calls must finish by
 * `githubBy`, which keeps `reserveMs` free for the hand-off to the worker topic and the loud log line; the publish
 * must finish by `publishBy`, a margin before Lambda's own timeout. Outside a scope (the worker, the CLI, a Probot
 * server) there is no invocation deadline and only the per-request timeouts apply.
 */
interface Scope {
  githubBy: number;
  publishBy: number;
}

const scope = new AsyncLocalStorage<Scope>();

/** Kept back from Lambda's timeout for the last log lines and the response itself. */
export const FINAL_MARGIN_MS = 300;

export interface DeadlineOptions {
  /** `context.getRemainingTimeInMillis()` at the start of the invocation. */
  remainingMs: number;
  /** Time kept for the hand-off publish after the GitHub calls give up. */
  reserveMs: number;
  now?: () => number;
}

export function withInvocationDeadline<T>(opts: DeadlineOptions, fn: () => Promise<T>): Promise<T> {
  const now = (opts.now ?? Date.now)();
  const publishBy = now + opts.remainingMs - FINAL_MARGIN_MS;
  return scope.run({ githubBy: publishBy - opts.reserveMs, publishBy }, fn);
}

/** Milliseconds a GitHub call may still take (≤ 0: none), or Infinity outside an invocation. */
export function githubTimeLeftMs(now = Date.now()): number {
  const s = scope.getStore();
  return s ? s.githubBy - now : Number.POSITIVE_INFINITY;
}

/** Milliseconds a publish may still take, or Infinity outside an invocation. */
export function publishTimeLeftMs(now = Date.now()): number {
  const s = scope.getStore();
  return s ? s.publishBy - now : Number.POSITIVE_INFINITY;
}

/**
 * `work`, or a rejection once the publish deadline passes: the hand-off and the loud log line after it must run
 * inside the invocation whatever the publisher does. Outside an invocation, `work` as is.
 */
export async function beforePublishDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  const ms = publishTimeLeftMs();
  if (ms === Number.POSITIVE_INFINITY) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish before the invocation's deadline`)),
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface HookedOctokit {
  hook: {
    wrap(name: 'request', fn: (request: (o: unknown) => Promise<unknown>, options: unknown) => Promise<unknown>): void;
  };
}

/**
 * Octokit plugin, outermost: a request (its retries, their backoff, a rate-limit wait and the token fetch inside it
 * included) fails with a timeout once the invocation's GitHub time is up, so the hand-off starts in time. The
 * per-attempt fetch deadline (request-timeout.ts) alone would let a retry's backoff run past it.
 */
export function invocationDeadlinePlugin(octokit: HookedOctokit): void {
  octokit.hook.wrap('request', async (request, options) => {
    const left = githubTimeLeftMs();
    if (left === Number.POSITIVE_INFINITY) return request(options);
    const expired = () =>
      Object.assign(new Error(`GitHub request timed out: the invocation's time for GitHub calls is up`), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        status: 500,
      });
    if (left <= 0) throw expired();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(expired()), left);
    });
    try {
      return await Promise.race([request(options), late]);
    } finally {
      clearTimeout(timer);
    }
  });
}
