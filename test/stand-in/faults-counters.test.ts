import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubStandIn } from '../support/github-stand-in';
import { installationOctokit, withStandIn } from './support';

type Octo = Awaited<ReturnType<typeof installationOctokit>>;

describe('GitHub stand-in faults and counters', () => {
  let gh: GitHubStandIn;
  let octokit: Octo;
  const get = (n = 1) => octokit.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: n });

  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(async () => {
    gh.reset();
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'one' });
    gh.createIssue('acme/widgets', { title: 'two' });
    octokit = await installationOctokit(gh, 'acme');
    await octokit.rest.repos.get({ owner: 'acme', repo: 'widgets' }); // fetch the installation token now, not inside a test
    gh.counters.reset();
  });

  it('fails the next N matching requests with 5xx, then recovers', async () => {
    gh.faults.add({
      kind: 'status',
      status: 502,
      method: 'GET',
      route: '/repos/{owner}/{repo}/issues/{issue_number}',
      times: 2,
    });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    expect((await get()).status).toBe(200);
    // Other routes were never affected.
    expect((await octokit.rest.repos.get({ owner: 'acme', repo: 'widgets' })).status).toBe(200);
  });

  it('answers a secondary rate limit the way Octokit’s throttling plugin recognises', async () => {
    gh.faults.add({ kind: 'secondary-rate-limit', times: 1, retryAfterSeconds: 7 });
    const err = (await get().catch((e: unknown) => e)) as {
      status: number;
      message: string;
      response: { headers: Record<string, string> };
    };
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/\bsecondary rate\b/i);
    expect(err.response.headers['retry-after']).toBe('7');
  });

  it('draws probabilistic faults from a seeded RNG, reproducibly', async () => {
    const run = async () => {
      gh.faults.seed(7);
      gh.faults.clear();
      gh.faults.add({ kind: 'status', status: 500, probability: 0.5 });
      const outcomes: number[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await get().then(
            (r) => r.status,
            (e: { status: number }) => e.status,
          ),
        );
      return outcomes;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('adds latency and can hang until the client gives up', async () => {
    gh.faults.add({ kind: 'latency', latencyMs: 50, times: 1 });
    expect((await get()).status).toBe(200);
    expect(gh.counters.requests().at(-1)?.fault).toBe('latency');
    gh.faults.add({ kind: 'hang', times: 1 });
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        request: { signal: AbortSignal.timeout(200) },
      }),
    ).rejects.toThrow();
    expect((await get()).status).toBe(200);
  });

  it('enforces the primary rate limit per token once the quota is spent', async () => {
    const tight = await withStandIn({ rateLimit: 3, autoWebhooks: { control: false, api: false } });
    try {
      tight.createRepo('acme/tight');
      const o = await installationOctokit(tight, 'acme');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          await o.rest.repos.get({ owner: 'acme', repo: 'tight' }).then(
            (r) => r.status,
            (e: { status: number }) => e.status,
          ),
        );
      expect(statuses).toEqual([200, 200, 200, 403, 403]);
      const err = (await o.rest.repos.get({ owner: 'acme', repo: 'tight' }).catch((e: unknown) => e)) as {
        message: string;
        response: { headers: Record<string, string> };
      };
      expect(err.message).toMatch(/rate limit exceeded/i);
      expect(err.response.headers['x-ratelimit-remaining']).toBe('0');
    } finally {
      await tight.close();
    }
  });

  it('counts calls per endpoint and per issue, and resets', async () => {
    await get(1);
    await get(1);
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
    const { data: c } = await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'widgets',
      issue_number: 2,
      body: 'x',
    });
    await octokit.rest.issues.updateComment({ owner: 'acme', repo: 'widgets', comment_id: c.id, body: 'y' });
    await octokit.rest.repos.get({ owner: 'acme', repo: 'widgets' });

    const snap = gh.counters.snapshot();
    expect(snap.total).toBe(6);
    expect(snap.byEndpoint['GET /repos/{owner}/{repo}/issues/{issue_number}']).toBe(2);
    expect(gh.counters.forIssue('acme/widgets', 1)).toBe(3);
    // Comment edits are attributed to the comment's issue.
    expect(snap.byIssue['acme/widgets#2']).toEqual({
      total: 2,
      byEndpoint: {
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': 1,
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': 1,
      },
    });
    gh.counters.reset();
    expect(gh.counters.snapshot().total).toBe(0);
  });
});
