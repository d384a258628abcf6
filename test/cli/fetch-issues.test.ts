import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchIssuesToFile, type FetchIssuesOptions } from '../../src/ops/github-issues';
import { tempDir } from '../ml/helpers';
import { cli } from './helpers';

const API = 'https://api.github.com';
const tmp = tempDir();

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  tmp.cleanup();
});

const issue = (n: number, extra: Record<string, unknown> = {}) => ({
  number: n,
  title: `Issue ${n}`,
  body: n % 2 ? `body ${n}` : null,
  labels: [{ name: 'bug' }],
  state: n % 3 ? 'open' : 'closed',
  created_at: '2026-01-01T00:00:00Z',
  ...extra,
});

/** Issue numbers written to the JSONL file. */
async function fetched(repo: string, opts: FetchIssuesOptions): Promise<number[]> {
  const file = join(tmp.dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  await fetchIssuesToFile(repo, file, opts);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { number: number }).number);
}

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fetch-issues', () => {
  it('follows Link pagination, includes closed issues, excludes pull requests, sends the token', async () => {
    const page2 = `${API}/repositories/1/issues?state=all&per_page=100&page=2`;
    const scope = nock(API, { reqheaders: { authorization: /secret-token$/ } })
      .get('/repos/acme/widgets/issues')
      .query({ state: 'all', per_page: '100', sort: 'created', direction: 'asc' })
      .reply(200, [issue(1), issue(2, { pull_request: { url: 'x' } }), issue(3)], {
        link: `<${page2}>; rel="next", <${page2}>; rel="last"`,
      })
      .get('/repositories/1/issues')
      .query({ state: 'all', per_page: '100', page: '2' })
      .reply(200, [issue(4), issue(6)]);
    const file = join(tmp.dir, 'out.jsonl');
    const n = await fetchIssuesToFile('acme/widgets', file, { token: 'secret-token' });
    expect(n).toBe(4);
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.number)).toEqual([1, 3, 4, 6]);
    expect(rows[0]).toEqual({
      repo: 'acme/widgets',
      number: 1,
      title: 'Issue 1',
      body: 'body 1',
      labels: ['bug'],
      state: 'open',
      created_at: '2026-01-01T00:00:00Z',
    });
    expect(rows.find((r) => r.number === 6).state).toBe('closed');
    expect(rows.find((r) => r.number === 4).body).toBe('');
    expect(scope.isDone()).toBe(true);
  });

  it('waits for x-ratelimit-reset when the quota is exhausted, then retries', async () => {
    const now = 1_800_000_000_000;
    const scope = nock(API)
      .get('/repos/acme/widgets/issues')
      .query(true)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) },
      )
      .get('/repos/acme/widgets/issues')
      .query(true)
      .reply(200, [issue(1)]);
    const sleeps: number[] = [];
    expect(await fetched('acme/widgets', { sleep: async (ms) => void sleeps.push(ms), now: () => now })).toEqual([1]);
    expect(sleeps).toEqual([31_000]);
    expect(scope.isDone()).toBe(true);
  });

  it('honours retry-after on secondary rate limits, and pauses before the next page when remaining hits 0', async () => {
    const now = 1_800_000_000_000;
    const next = `${API}/repos/acme/widgets/issues?page=2`;
    const scope = nock(API)
      .get('/repos/acme/widgets/issues')
      .query(true)
      .reply(429, { message: 'secondary rate limit' }, { 'retry-after': '7' })
      .get('/repos/acme/widgets/issues')
      .query((q) => q.page === undefined)
      .reply(200, [issue(1)], {
        link: `<${next}>; rel="next"`,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(now / 1000 + 10),
      })
      .get('/repos/acme/widgets/issues')
      .query({ page: '2' })
      .reply(200, [issue(2)]);
    const sleeps: number[] = [];
    expect(await fetched('acme/widgets', { sleep: async (ms) => void sleeps.push(ms), now: () => now })).toEqual([
      1, 2,
    ]);
    expect(sleeps).toEqual([7_000, 11_000]);
    expect(scope.isDone()).toBe(true);
  });

  it('fails clearly on a 404 and never puts the token in the message', async () => {
    nock(API).get('/repos/acme/nope/issues').query(true).reply(404, { message: 'Not Found' });
    await expect(fetchIssuesToFile('acme/nope', join(tmp.dir, 'x.jsonl'), { token: 'secret-token' })).rejects.toThrow(
      /HTTP 404/,
    );
    nock(API).get('/repos/acme/nope/issues').query(true).reply(404, { message: 'Not Found' });
    await expect(
      fetchIssuesToFile('acme/nope', join(tmp.dir, 'x.jsonl'), { token: 'secret-token' }),
    ).rejects.not.toThrow(/secret-token/);
  });

  it('a failed run leaves no output file (not even an empty one) and says that GITHUB_TOKEN is unset', async () => {
    nock(API).get('/repos/acme/private/issues').query(true).reply(404, { message: 'Not Found' });
    const file = join(tmp.dir, 'private.jsonl');
    await expect(fetchIssuesToFile('acme/private', file, {})).rejects.toThrow(/HTTP 404 .*GITHUB_TOKEN is not set/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.part`)).toBe(false);
  });

  it('offline, through the real bin: names the unreachable host and its error, says GITHUB_TOKEN is unset, writes no file', async () => {
    const port = await closedPort();
    const file = join(tmp.dir, 'offline.jsonl');
    const r = cli(['fetch-issues', 'acme/widgets', '--out', file, '--api-url', `http://127.0.0.1:${port}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^warning: GITHUB_TOKEN is not set/m);
    // Not silent while Octokit retries: one line, the first time the host cannot be reached.
    const retrying = r.stderr.split('\n').filter((l) => l.includes('retrying'));
    expect(retrying).toEqual([
      `warning: cannot reach 127.0.0.1:${port} (ECONNREFUSED); retrying 3 times over ~15 s before giving up`,
    ]);
    expect(r.stderr).toMatch(
      new RegExp(
        `^label-bot: cannot reach http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED .*\\); check the network or --api-url; GITHUB_TOKEN is not set`,
        'm',
      ),
    );
    expect(existsSync(file)).toBe(false);
  });

  it('rejects a malformed repository name', async () => {
    await expect(fetched('not a repo', {})).rejects.toThrow(/owner\/repo/);
  });
});
