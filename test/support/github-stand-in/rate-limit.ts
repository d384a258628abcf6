import { HttpError, type Ctx } from './router';

/**
 * GitHub's primary rate limit per token and resource (`core`, `graphql`), shown in `x-ratelimit-*` headers. Enforced
 * (403 once spent) only when a limit was set explicitly, so long benchmarks are not cut off by the default 5000.
 */
export class RateLimits {
  private readonly buckets = new Map<string, { used: number; resetAt: number }>();

  constructor(private readonly limit: number | undefined) {}

  clear(): void {
    this.buckets.clear();
  }

  key(ctx: Ctx): string {
    const p = ctx.principal;
    return p.kind === 'installation'
      ? `inst:${p.installation.id}`
      : p.kind === 'user'
        ? `user:${p.account.login}`
        : 'other';
  }

  /** Like GitHub: once a token's hourly quota is spent, every call is a 403 until the window resets. */
  enforce(ctx: Ctx, resource: string): void {
    const limit = this.limit;
    if (limit === undefined) return;
    const bucket = this.buckets.get(`${resource}:${this.key(ctx)}`);
    if (!bucket || bucket.resetAt <= Date.now() || bucket.used < limit) return;
    throw new HttpError(
      403,
      'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID stand-in.',
      { documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
      {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': String(bucket.used),
        'x-ratelimit-reset': String(Math.floor(bucket.resetAt / 1000)),
        'x-ratelimit-resource': resource,
      },
    );
  }

  headers(key: string, resource: string, count: boolean): Record<string, string> {
    const limit = this.limit ?? 5000;
    const now = Date.now();
    let bucket = this.buckets.get(`${resource}:${key}`);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { used: 0, resetAt: now + 3_600_000 };
      this.buckets.set(`${resource}:${key}`, bucket);
    }
    if (count) bucket.used++;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(limit - bucket.used, 0)),
      'x-ratelimit-reset': String(Math.floor(bucket.resetAt / 1000)),
      'x-ratelimit-used': String(bucket.used),
      'x-ratelimit-resource': resource,
    };
  }
}
