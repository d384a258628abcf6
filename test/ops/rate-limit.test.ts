import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { guardRateLimit } from '../../src/ops/rate-limit';

const API = 'https://api.github.test';
const TestOctokit = ProbotOctokit.defaults({ baseUrl: API, retry: { enabled: false }, throttle: { enabled: false } });

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

describe('the wait before the next request, from the last response', () => {
  const now = 1_700_000_000_000;
  async function waitsAfter(headers: Record<string, string>, reserve?: number): Promise<number[]> {
    const sleeps: number[] = [];
    const octokit = new TestOctokit({ auth: { token: 'test' } });
    guardRateLimit(octokit, {
      sleep: async (ms) => void sleeps.push(ms),
      now: () => now,
      ...(reserve !== undefined ? { reserve } : {}),
    });
    nock(API).get('/a').reply(200, {}, headers).get('/b').reply(200, {});
    await octokit.request('GET /a');
    await octokit.request('GET /b');
    return sleeps;
  }
  it('waits until the reset (+1 s) when the budget is spent', async () => {
    expect(await waitsAfter({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 60) })).toEqual([
      61_000,
    ]);
  });
  it('goes on while budget remains, or pauses at the reserve', async () => {
    const h = { 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': String(now / 1000 + 5) };
    expect(await waitsAfter(h)).toEqual([]);
    expect(await waitsAfter(h, 10)).toEqual([6_000]);
    expect(await waitsAfter({})).toEqual([]);
  });
});

describe('guardRateLimit on a real Octokit', () => {
  it('retries a secondary-rate-limit 403 after retry-after, sleeping through the injected sleep', async () => {
    const sleeps: number[] = [];
    const octokit = new TestOctokit({ auth: { token: 'test' } });
    guardRateLimit(octokit, { sleep: async (ms) => void sleeps.push(ms), now: () => 0 });
    nock(API)
      .get('/repos/o/r')
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '7' })
      .get('/repos/o/r')
      .reply(200, { full_name: 'o/r' });
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' });
    expect(data.full_name).toBe('o/r');
    expect(sleeps).toEqual([7_000]);
  });

  it('pauses before the next request once x-ratelimit-remaining hits 0', async () => {
    const sleeps: number[] = [];
    const octokit = new TestOctokit({ auth: { token: 'test' } });
    guardRateLimit(octokit, { sleep: async (ms) => void sleeps.push(ms), now: () => 1_000_000 });
    nock(API)
      .get('/repos/o/r')
      .reply(200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1030' })
      .get('/repos/o/r')
      .reply(200, {}, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '4600' });
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' });
    expect(sleeps).toEqual([]);
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' });
    expect(sleeps).toEqual([31_000]);
  });

  it('waits a minute after a secondary limit that names no retry-after', async () => {
    const sleeps: number[] = [];
    const octokit = new TestOctokit({ auth: { token: 'test' } });
    guardRateLimit(octokit, { sleep: async (ms) => void sleeps.push(ms) });
    nock(API)
      .get('/repos/o/r')
      .reply(403, {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      })
      .get('/repos/o/r')
      .reply(200, {});
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' });
    expect(sleeps).toEqual([60_000]);
  });

  it('gives up after maxRetries and surfaces the error; a plain 403 is not retried', async () => {
    const sleeps: number[] = [];
    const octokit = new TestOctokit({ auth: { token: 'test' } });
    guardRateLimit(octokit, { sleep: async (ms) => void sleeps.push(ms), maxRetries: 2 });
    nock(API).get('/repos/o/r').times(3).reply(429, {}, { 'retry-after': '1' });
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' })).rejects.toMatchObject({
      status: 429,
    });
    expect(sleeps).toEqual([1_000, 1_000]);
    nock(API).get('/repos/o/x').reply(403, { message: 'Resource not accessible by integration' });
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    expect(sleeps).toHaveLength(2);
  });
});
