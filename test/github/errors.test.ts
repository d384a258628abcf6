import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import { classifyGitHubError } from '../../src/github/errors';

const req = { method: 'GET' as const, url: 'https://api.github.com/x', headers: {} };
function httpError(status: number, headers: Record<string, string> = {}, message = 'boom') {
  return new RequestError(message, status, {
    request: req,
    response: { status, url: req.url, headers, data: { message } },
  });
}

describe('classifyGitHubError', () => {
  it('treats 5xx, 429, network and secondary rate limits as transient', () => {
    expect(classifyGitHubError(httpError(502))).toBe('transient');
    expect(classifyGitHubError(httpError(500))).toBe('transient');
    expect(classifyGitHubError(httpError(429))).toBe('transient');
    expect(classifyGitHubError(httpError(403, { 'retry-after': '60' }))).toBe('transient');
    expect(classifyGitHubError(httpError(403, { 'x-ratelimit-remaining': '0' }))).toBe('transient');
    expect(classifyGitHubError(httpError(403, {}, 'You have exceeded a secondary rate limit'))).toBe('transient');
    expect(classifyGitHubError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('transient');
    expect(classifyGitHubError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe('transient');
  });

  it('treats 404, 410, 422 and plain 403 as permanent', () => {
    expect(classifyGitHubError(httpError(404))).toBe('permanent');
    expect(classifyGitHubError(httpError(410))).toBe('permanent');
    expect(classifyGitHubError(httpError(422))).toBe('permanent');
    expect(classifyGitHubError(httpError(403, {}, 'Resource not accessible by integration'))).toBe('permanent');
    expect(classifyGitHubError(new Error('bad'))).toBe('permanent');
    expect(classifyGitHubError(null)).toBe('permanent');
  });

  it('reads GraphQL error types', () => {
    const gql = (type: string) => Object.assign(new Error('gql'), { name: 'GraphqlResponseError', errors: [{ type }] });
    expect(classifyGitHubError(gql('RATE_LIMITED'))).toBe('transient');
    expect(classifyGitHubError(gql('NOT_FOUND'))).toBe('permanent');
    expect(classifyGitHubError(gql('FORBIDDEN'))).toBe('permanent');
    // GitHub's GraphQL timeout comes back untyped ("Something went wrong while executing your query"): retry it.
    const untyped = Object.assign(new Error('Something went wrong while executing your query'), {
      name: 'GraphqlResponseError',
      errors: [{ message: 'Something went wrong' }],
    });
    expect(classifyGitHubError(untyped)).toBe('transient');
    const mixed = Object.assign(new Error('gql'), {
      name: 'GraphqlResponseError',
      errors: [{ type: 'NOT_FOUND' }, { type: 'INTERNAL' }],
    });
    expect(classifyGitHubError(mixed)).toBe('transient');
  });
});
