/**
 * The limiter behind Octokit's throttling plugin, replaced: a per-installation budget that fits a webhook.
 *
 * The plugin as shipped (@octokit/plugin-throttling 8) keys its limiters by `throttle.id`, which Probot's webhook
 * clients never set, so every event in a process shares one key. Its `global` group holds one of 10 slots for the
 * whole request, and inside that request @octokit/auth-app fetches the installation token through the same client:
 * that fetch needs an 11th slot, so ten events at once (right after start-up, or after the hourly token expiry)
 * hang forever. Its `write` group spaces every write, and every GraphQL POST (reads included), 1 s apart, and its
 * `notifications` group comment creations 3 s apart: a three-call labeling took 3.4 s.
 *
 * Here, through the plugin's own group options (`throttle.global`, `throttle.write`, `throttle.notifications`):
 * - the key is the installation (create-probot.ts sets `throttle.id` from the client's installation id);
 * - an installation-token fetch never waits for a slot: it runs inside a request that already holds one;
 * - at most `maxConcurrent` requests per installation are in flight (GitHub: 100 concurrent, REST and GraphQL);
 * - content-generating requests (REST writes, GraphQL mutations; GraphQL reads are not writes) draw on a token
 *   bucket per installation sized by GitHub's secondary limits, 80 per minute and 500 per hour: a burst of writes
 *   goes out at once, there is no fixed spacing, and only a sustained flood waits;
 * - a wait longer than `maxWaitMs` (the webhook window) fails at once as a secondary rate limit with `retry-after`,
 *   which the caller treats as transient (the Lambda hands the issue to the worker topic).
 * `retry-after` and `x-ratelimit-reset` answers are still honoured by the plugin's own retry logic, unchanged.
 */

/** GitHub's documented secondary limits on content-generating requests (docs: "About secondary rate limits"). */
export const GITHUB_CONTENT_WRITES_PER_MINUTE = 80;
export const GITHUB_CONTENT_WRITES_PER_HOUR = 500;
/** GitHub allows 100 concurrent requests; keep headroom for other clients of the same installation. */
export const DEFAULT_MAX_CONCURRENT = 50;

export interface BudgetOptions {
  perMinute?: number;
  perHour?: number;
  maxConcurrent?: number;
  /** Longest wait for budget before failing as a secondary rate limit (ms). Default: wait as long as it takes. */
  maxWaitMs?: number;
  now?: () => number;
}

interface RequestOptions {
  method?: string;
  url?: string;
  body?: unknown;
  query?: unknown;
}

type Job = (...args: unknown[]) => Promise<unknown>;

/** The slice of a Bottleneck.Group the throttling plugin calls: `group.key(id).schedule(jobOptions, fn, ...args)`. */
export interface LimiterGroup {
  key(id?: string): { schedule(jobOptions: unknown, fn: Job, ...args: unknown[]): Promise<unknown> };
}

const TOKEN_FETCH = /\/app\/installations\/\d+\/access_tokens$/;

function pathOf(url: string | undefined): string {
  return new URL(url ?? '/', 'http://github.invalid').pathname;
}

/** A new installation token: requested from inside a request that already holds this installation's slot. */
export function isTokenFetch(options: RequestOptions): boolean {
  return options.method === 'POST' && TOKEN_FETCH.test(pathOf(options.url));
}

/** REST writes and GraphQL mutations create content; GraphQL queries and REST reads do not. */
export function isContentWrite(options: RequestOptions): boolean {
  const method = (options.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return false;
  if (!pathOf(options.url).endsWith('/graphql')) return true;
  const query = (options as { query?: unknown }).query ?? (options.body as { query?: unknown } | undefined)?.query;
  const text = typeof query === 'string' ? query : typeof options.body === 'string' ? options.body : '';
  return /^\s*(?:#[^\n]*\n\s*)*mutation\b/.test(text) || /"query"\s*:\s*"\s*mutation\b/.test(text);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A token bucket that takes reservations: a taker is told how long until its token exists. */
class Bucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** Milliseconds until one token is available (0 = now), without taking it. */
  waitFor(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.perMs;
  }

  take(): void {
    this.tokens -= 1;
  }
}

/** One installation's concurrency slots and write budget. */
class InstallationLimiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly minute: Bucket;
  private readonly hour: Bucket;

  constructor(
    private readonly id: string,
    private readonly opts: Required<BudgetOptions>,
  ) {
    const now = opts.now();
    this.minute = new Bucket(opts.perMinute, opts.perMinute / 60_000, now);
    this.hour = new Bucket(opts.perHour, opts.perHour / 3_600_000, now);
  }

  async schedule(fn: Job, args: unknown[]): Promise<unknown> {
    const options = (args[0] ?? {}) as RequestOptions;
    // The request that needs this token already holds a slot here; waiting for another could wait forever.
    if (isTokenFetch(options)) return fn(...args);
    if (isContentWrite(options)) await this.takeWriteToken(options);
    await this.acquire();
    try {
      return await fn(...args);
    } finally {
      this.release();
    }
  }

  private async takeWriteToken(options: RequestOptions): Promise<void> {
    const now = this.opts.now();
    const wait = Math.max(this.minute.waitFor(now), this.hour.waitFor(now));
    if (wait > this.opts.maxWaitMs) throw budgetSpent(this.id, options, wait);
    // Reserve now (the buckets may go negative), so concurrent writers queue in order instead of all waking at once.
    this.minute.take();
    this.hour.take();
    if (wait > 0) await sleep(wait);
  }

  private async acquire(): Promise<void> {
    if (this.active < this.opts.maxConcurrent) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

/**
 * Shaped like GitHub's own secondary-limit answer (403, "secondary rate limit", `retry-after`): the throttling
 * plugin's handler decides whether to wait it out (the worker) or not (the webhook window), and errors.ts calls it
 * transient.
 */
function budgetSpent(id: string, options: RequestOptions, waitMs: number): Error {
  const retryAfter = Math.ceil(waitMs / 1000);
  const message = `secondary rate limit: the write budget of ${id} is spent; next write in ${retryAfter} s (${options.method} ${pathOf(options.url)})`;
  return Object.assign(new Error(message), {
    name: 'HttpError',
    status: 403,
    request: options,
    response: {
      status: 403,
      url: options.url ?? '',
      headers: { 'retry-after': String(retryAfter) },
      data: { message },
    },
  });
}

/** `throttle.global` for the throttling plugin: per-installation slots and write budget, token fetches exempt. */
export function installationBudget(options: BudgetOptions = {}): LimiterGroup {
  const opts: Required<BudgetOptions> = {
    perMinute: options.perMinute ?? GITHUB_CONTENT_WRITES_PER_MINUTE,
    perHour: options.perHour ?? GITHUB_CONTENT_WRITES_PER_HOUR,
    maxConcurrent: options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    maxWaitMs: options.maxWaitMs ?? Number.POSITIVE_INFINITY,
    now: options.now ?? Date.now,
  };
  const limiters = new Map<string, InstallationLimiter>();
  return {
    key(id = 'app') {
      let limiter = limiters.get(id);
      if (!limiter) limiters.set(id, (limiter = new InstallationLimiter(id, opts)));
      const l = limiter;
      return { schedule: (_jobOptions, fn, ...args) => l.schedule(fn, args) };
    },
  };
}

/** `throttle.write` / `throttle.notifications`: no fixed spacing; the budget above is the only write limit. */
export const noSpacing: LimiterGroup = {
  key: () => ({ schedule: (_jobOptions, fn, ...args) => fn(...args) }),
};

/** The throttling plugin's options that swap its limiters for ours. */
export function budgetThrottleOptions(budget: LimiterGroup): Record<string, unknown> {
  return { global: budget, write: noSpacing, notifications: noSpacing };
}
