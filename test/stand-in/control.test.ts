import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubStandIn } from '../support/github-stand-in';
import { installationOctokit, withStandIn } from './support';

describe('GitHub stand-in control API over HTTP and the /_ui page', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });

  // JSON answers are checked field by field below; `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${gh.url}/_control${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: res.status === 204 ? undefined : await res.json() };
  };

  it('creates repos, files, issues, labels, permissions and faults; reads counters', async () => {
    const repo = await call('POST', '/repos', { repo: 'demo/app', private: true, files: { 'README.md': 'hi' } });
    expect(repo.json).toMatchObject({ installationId: expect.any(Number) });
    await call('PUT', '/repos/demo/app/files/.github/issue_label_bot.yaml', { content: 'comment: false\n' });
    const issue = await call('POST', '/repos/demo/app/issues', { title: 'Crash <b>', body: 'x', user: 'alice' });
    expect(issue.json).toMatchObject({ number: 1, author: 'alice' });
    await call('POST', '/repos/demo/app/issues/1/labels', { labels: ['bug'], user: 'maint' });
    const unl = await call('DELETE', '/repos/demo/app/issues/1/labels/bug?user=maint');
    expect(unl.json.events.map((e: { event: string }) => e.event)).toEqual(['labeled', 'unlabeled']);
    await call('PUT', '/repos/demo/app/collaborators/maint', { permission: 'write' });
    expect(gh.store.permissionOf(gh.repo('demo/app'), 'maint')).toBe('write');

    const octokit = await installationOctokit(gh, 'demo');
    const { data } = await octokit.rest.repos.getContent({
      owner: 'demo',
      repo: 'app',
      path: '.github/issue_label_bot.yaml',
    });
    expect(Buffer.from((data as { content: string }).content, 'base64').toString()).toBe('comment: false\n');

    const fault = await call('POST', '/faults', { kind: 'status', status: 500, times: 1, path: '^/repos/demo/' });
    expect(fault.json.id).toEqual(expect.any(Number));
    await expect(octokit.rest.issues.get({ owner: 'demo', repo: 'app', issue_number: 1 })).rejects.toMatchObject({
      status: 500,
    });
    const counters = await call('GET', '/counters');
    expect(counters.json.byIssue['demo/app#1'].total).toBe(1);
    expect(counters.json.byStatus['500']).toBe(1);
  });

  it('renders a read-only HTML page with issues, labels and escaped titles', async () => {
    gh.createRepo('demo/ui');
    gh.createIssue('demo/ui', { title: '<script>alert(1)</script>', labels: ['bug'] });
    const res = await fetch(`${gh.url}/_ui`);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('demo/ui');
    expect(html).toContain('>bug<');
    expect(html).not.toContain('<script>alert(1)</script>');
  });
});
