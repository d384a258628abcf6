/**
 * Decides whether a failed GitHub call is worth retrying. The worker nacks transient failures (Pub/Sub redelivers
 * with backoff) and acks permanent ones, so an uninstalled repo or a deleted issue never loops until dead-letter.
 */
export type GitHubErrorClass = 'transient' | 'permanent';

interface HttpishError {
  status?: number;
  code?: string;
  name?: string;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  errors?: { type?: string }[];
  cause?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNABORTED',
]);

function header(err: HttpishError, name: string): string | undefined {
  const value = err.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function messageOf(err: HttpishError): string {
  const data = err.response?.data as { message?: unknown } | undefined;
  return `${err.message ?? ''} ${typeof data?.message === 'string' ? data.message : ''}`.toLowerCase();
}

function isNetworkError(err: HttpishError, depth = 0): boolean {
  if (depth > 3 || !err) return false;
  if (err.code && NETWORK_CODES.has(err.code)) return true;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  if (err.name === 'TypeError' && /fetch failed/i.test(err.message ?? '')) return true;
  return typeof err.cause === 'object' && err.cause !== null && isNetworkError(err.cause as HttpishError, depth + 1);
}

const PERMANENT_GRAPHQL_TYPES = new Set([
  'NOT_FOUND',
  'FORBIDDEN',
  'UNPROCESSABLE',
  'INSUFFICIENT_SCOPES',
  'BAD_USER_INPUT',
]);

export function classifyGitHubError(error: unknown): GitHubErrorClass {
  if (typeof error !== 'object' || error === null) return 'permanent';
  const err = error as HttpishError;
  const status = typeof err.status === 'number' ? err.status : undefined;

  if (status === undefined) {
    if (isNetworkError(err)) return 'transient';
    // GraphQL-level errors arrive with HTTP 200. Only the types that say "this will never work" are permanent;
    // RATE_LIMITED, and GitHub's untyped "Something went wrong while executing your query" (its timeouts), are worth
    // a retry: acking those would drop the issue, while a retry at worst ends in the dead-letter topic.
    if (err.name === 'GraphqlResponseError' && Array.isArray(err.errors)) {
      return err.errors.length > 0 &&
        err.errors.every((e) => e.type !== undefined && PERMANENT_GRAPHQL_TYPES.has(e.type))
        ? 'permanent'
        : 'transient';
    }
    return 'permanent';
  }
  // octokit reports a failed fetch as status 500 with no response; treat like any 5xx.
  if (status >= 500 || status === 429 || status === 408) return 'transient';
  if (status === 403) {
    const msg = messageOf(err);
    if (header(err, 'retry-after') !== undefined) return 'transient';
    if (header(err, 'x-ratelimit-remaining') === '0') return 'transient';
    if (msg.includes('secondary rate limit') || msg.includes('rate limit exceeded') || msg.includes('abuse'))
      return 'transient';
    return 'permanent';
  }
  return 'permanent';
}
