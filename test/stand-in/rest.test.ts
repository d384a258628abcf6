import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubStandIn } from '../support/github-stand-in';
import { installationOctokit, TestOctokit, withStandIn } from './support';

type Octo = Awaited<ReturnType<typeof installationOctokit>>;

describe('GitHub stand-in REST', () => {
  let gh: GitHubStandIn;
  let octokit: Octo;

  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(async () => {
    gh.reset();
    gh.createRepo('acme/widgets', {
      files: { '.github/issue_label_bot.yaml': 'comment: false\nlabel-alias:\n  bug: "kind/bug"\n' },
    });
    octokit = await installationOctokit(gh, 'acme');
  });

  describe('app auth', () => {
    it('issues installation tokens to Probot and rejects unauthenticated token requests', async () => {
      const id = gh.installationId('acme');
      const { data: issue } = await octokit.rest.issues.create({ owner: 'acme', repo: 'widgets', title: 'hello' });
      expect(issue.user?.login).toBe('label-bot[bot]');
      expect(issue.user?.type).toBe('Bot');
      const res = await fetch(`${gh.url}/app/installations/${id}/access_tokens`, { method: 'POST' });
      expect(res.status).toBe(401);
      const none = await fetch(`${gh.url}/app/installations/999999/access_tokens`, {
        method: 'POST',
        headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2ln' },
      });
      expect(none.status).toBe(404);
    });

    it('answers GET /app and the repo installation lookup only with a JWT', async () => {
      const jwtRes = await fetch(`${gh.url}/repos/acme/widgets/installation`, {
        headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2ln' },
      });
      expect(jwtRes.status).toBe(200);
      expect(((await jwtRes.json()) as { id: number }).id).toBe(gh.installationId('acme'));
      const token = gh.store.identity.issueToken(gh.installationId('acme')).token;
      const tokenRes = await fetch(`${gh.url}/app`, { headers: { authorization: `token ${token}` } });
      expect(tokenRes.status).toBe(401);
    });

    it('hides other owners’ repos from an installation token and stops working after uninstall', async () => {
      gh.createRepo('other/secret', { private: true });
      gh.createIssue('other/secret', { title: 'x' });
      await expect(octokit.rest.issues.get({ owner: 'other', repo: 'secret', issue_number: 1 })).rejects.toMatchObject({
        status: 404,
      });
      const token = gh.store.identity.issueToken(gh.installationId('acme')).token;
      const get = () => fetch(`${gh.url}/repos/acme/widgets/issues`, { headers: { authorization: `token ${token}` } });
      expect((await get()).status).toBe(200);
      gh.uninstall('acme');
      // Raw fetch: Probot's auth hook retries 401s on fresh tokens for several seconds.
      expect((await get()).status).toBe(401);
    });
  });

  describe('issues', () => {
    it('gets, updates and 404s like GitHub', async () => {
      gh.createIssue('acme/widgets', { title: 'Crash on start', body: 'stack trace', user: 'alice' });
      const { data } = await octokit.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: 1 });
      expect(data).toMatchObject({
        number: 1,
        title: 'Crash on start',
        body: 'stack trace',
        state: 'open',
        user: { login: 'alice', type: 'User' },
      });
      const { data: upd } = await octokit.rest.issues.update({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        title: 'Crash',
        state: 'closed',
        labels: ['bug'],
      });
      expect(upd).toMatchObject({ title: 'Crash', state: 'closed', state_reason: 'completed' });
      expect(upd.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['bug']);
      await expect(octokit.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: 99 })).rejects.toMatchObject(
        { status: 404 },
      );
      await expect(octokit.rest.issues.get({ owner: 'acme', repo: 'nope', issue_number: 1 })).rejects.toMatchObject({
        status: 404,
      });
    });

    it('lists with state, since and Link pagination, pull requests included with a pull_request key', async () => {
      for (let i = 1; i <= 70; i++) gh.createIssue('acme/widgets', { title: `issue ${i}` });
      gh.openPullRequest('acme/widgets', { title: 'a PR', fromFork: 'mallory/widgets' });
      gh.editIssue('acme/widgets', 3, { state: 'closed' });

      const first = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'widgets', per_page: 30 });
      expect(first.data).toHaveLength(30);
      expect(first.headers.link).toContain('rel="next"');
      expect(first.data[0]!.number).toBe(71); // newest first

      const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner: 'acme',
        repo: 'widgets',
        per_page: 30,
      });
      expect(open).toHaveLength(70);
      expect(open.filter((i) => i.pull_request)).toHaveLength(1);

      const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner: 'acme',
        repo: 'widgets',
        state: 'all',
        per_page: 100,
      });
      expect(all).toHaveLength(71);

      const stamp = gh.store.now(); // the stand-in's clock: strictly increasing, may run ahead of Date.now()
      gh.editIssue('acme/widgets', 5, { body: 'edited' });
      const since = await octokit.rest.issues.listForRepo({
        owner: 'acme',
        repo: 'widgets',
        since: stamp,
        state: 'all',
      });
      expect(since.data.map((i) => i.number)).toEqual([5]);
    });
  });

  describe('labels', () => {
    it('adds with auto-creation, dedupes case-insensitively, removes one and 404s on a missing one', async () => {
      gh.createIssue('acme/widgets', { title: 't' });
      const { data: after } = await octokit.rest.issues.addLabels({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        labels: ['bug', 'needs triage'],
      });
      expect(after.map((l) => l.name)).toEqual(['bug', 'needs triage']);
      await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['BUG'] });
      const { data: repoLabels } = await octokit.rest.issues.listLabelsForRepo({ owner: 'acme', repo: 'widgets' });
      expect(repoLabels.map((l) => l.name).sort()).toEqual(['bug', 'needs triage']);

      const { data: left } = await octokit.rest.issues.removeLabel({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        name: 'needs triage',
      });
      expect(left.map((l) => l.name)).toEqual(['bug']);
      await expect(
        octokit.rest.issues.removeLabel({ owner: 'acme', repo: 'widgets', issue_number: 1, name: 'needs triage' }),
      ).rejects.toMatchObject({ status: 404, message: expect.stringContaining('Label does not exist') });

      const { data: set } = await octokit.rest.issues.setLabels({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        labels: ['question'],
      });
      expect(set.map((l) => l.name)).toEqual(['question']);
      const { data: listed } = await octokit.rest.issues.listLabelsOnIssue({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
      });
      expect(listed.map((l) => l.name)).toEqual(['question']);
    });

    it('records labeled/unlabeled events with the actor and its type', async () => {
      gh.createIssue('acme/widgets', { title: 't' });
      await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
      gh.removeLabel('acme/widgets', 1, 'bug', { user: 'maintainer' });
      const { data: events } = await octokit.rest.issues.listEvents({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
      });
      expect(
        events.map((e) => [e.event, (e as { label?: { name: string } }).label?.name, e.actor?.login, e.actor?.type]),
      ).toEqual([
        ['labeled', 'bug', 'label-bot[bot]', 'Bot'],
        ['unlabeled', 'bug', 'maintainer', 'User'],
      ]);
      const { data: timeline } = await octokit.rest.issues.listEventsForTimeline({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
      });
      expect(timeline.map((e) => e.event)).toEqual(['labeled', 'unlabeled']);
    });
  });

  describe('comments and reactions', () => {
    it('creates, lists, updates and deletes comments, and lists reactions', async () => {
      gh.createIssue('acme/widgets', { title: 't' });
      const { data: c } = await octokit.rest.issues.createComment({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        body: '<!-- label-bot --> hi',
      });
      expect(c.user?.login).toBe('label-bot[bot]');
      await octokit.rest.issues.updateComment({
        owner: 'acme',
        repo: 'widgets',
        comment_id: c.id,
        body: '<!-- label-bot --> edited',
      });
      gh.react('acme/widgets', c.id, '+1', 'alice');
      gh.react('acme/widgets', c.id, '-1', 'bob');
      const { data: reactions } = await octokit.rest.reactions.listForIssueComment({
        owner: 'acme',
        repo: 'widgets',
        comment_id: c.id,
      });
      expect(reactions.map((r) => [r.content, r.user?.login])).toEqual([
        ['+1', 'alice'],
        ['-1', 'bob'],
      ]);
      const { data: comments } = await octokit.rest.issues.listComments({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
      });
      expect(comments.map((x) => x.body)).toEqual(['<!-- label-bot --> edited']);
      expect(comments[0]!.reactions).toMatchObject({ total_count: 2, '+1': 1, '-1': 1 });
      await octokit.rest.issues.deleteComment({ owner: 'acme', repo: 'widgets', comment_id: c.id });
      expect(gh.issue('acme/widgets', 1).comments).toEqual([]);
      await expect(
        octokit.rest.issues.getComment({ owner: 'acme', repo: 'widgets', comment_id: c.id }),
      ).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('contents, permissions, conditional requests, rate-limit headers', () => {
    it('serves files base64-encoded (and raw), including from an org .github repo', async () => {
      gh.createRepo('acme/.github', { files: { '.github/issue_label_bot.yaml': 'min-confidence: 0.6\n' } });
      const { data } = await octokit.rest.repos.getContent({
        owner: 'acme',
        repo: 'widgets',
        path: '.github/issue_label_bot.yaml',
      });
      expect(Buffer.from((data as { content: string }).content, 'base64').toString()).toContain('kind/bug');
      const { data: org } = await octokit.rest.repos.getContent({
        owner: 'acme',
        repo: '.github',
        path: '.github/issue_label_bot.yaml',
      });
      expect(Buffer.from((org as { content: string }).content, 'base64').toString()).toBe('min-confidence: 0.6\n');
      const raw = await octokit.rest.repos.getContent({
        owner: 'acme',
        repo: 'widgets',
        path: '.github/issue_label_bot.yaml',
        mediaType: { format: 'raw' },
      });
      expect(String(raw.data)).toContain('label-alias');
      await expect(
        octokit.rest.repos.getContent({ owner: 'acme', repo: 'widgets', path: 'missing.yaml' }),
      ).rejects.toMatchObject({ status: 404 });
    });

    it('reports collaborator permission', async () => {
      gh.setPermission('acme/widgets', 'maint', 'maintain');
      gh.setPermission('acme/widgets', 'reader', 'read');
      gh.store.identity.account('stranger');
      const perm = async (username: string) =>
        (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: 'acme', repo: 'widgets', username })).data
          .permission;
      expect(await perm('maint')).toBe('write');
      expect(await perm('reader')).toBe('read');
      expect(await perm('acme')).toBe('admin');
      expect(await perm('stranger')).toBe('read'); // public repo
      await expect(perm('nobody-ever-seen')).rejects.toMatchObject({ status: 404 });
    });

    it('answers If-None-Match with 304 while unchanged, 200 after an edit', async () => {
      gh.createIssue('acme/widgets', { title: 'config', body: 'v1' });
      const first = await octokit.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: 1 });
      const etag = first.headers.etag!;
      expect(etag).toMatch(/^W\/"/);
      await expect(
        octokit.rest.issues.get({
          owner: 'acme',
          repo: 'widgets',
          issue_number: 1,
          headers: { 'if-none-match': etag },
        }),
      ).rejects.toMatchObject({ status: 304 });
      gh.editIssue('acme/widgets', 1, { body: 'v2' });
      const again = await octokit.rest.issues.get({
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        headers: { 'if-none-match': etag },
      });
      expect(again.data.body).toBe('v2');
    });

    it('sends x-ratelimit-* headers that count down', async () => {
      const a = await octokit.rest.repos.get({ owner: 'acme', repo: 'widgets' });
      const b = await octokit.rest.repos.get({ owner: 'acme', repo: 'widgets' });
      expect(a.headers['x-ratelimit-limit']).toBe('5000');
      expect(Number(b.headers['x-ratelimit-remaining'])).toBe(Number(a.headers['x-ratelimit-remaining']) - 1);
      expect(a.headers['x-ratelimit-resource']).toBe('core');
    });

    it('needs authentication for writes', async () => {
      gh.createIssue('acme/widgets', { title: 't' });
      const anon = new TestOctokit({ baseUrl: gh.url });
      await expect(
        anon.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['x'] }),
      ).rejects.toMatchObject({ status: 401 });
      const { data } = await anon.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: 1 });
      expect(data.number).toBe(1);
    });

    it('lets a user token act as a human', async () => {
      gh.createIssue('acme/widgets', { title: 't' });
      const human = new TestOctokit({ baseUrl: gh.url, auth: { token: gh.userToken('carol') } });
      await human.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
      expect(gh.issue('acme/widgets', 1).events[0]).toMatchObject({
        event: 'labeled',
        actor: 'carol',
        actorType: 'User',
      });
    });
  });

  describe('pulls and git refs', () => {
    it('gets and updates a PR from a fork', async () => {
      const pr = gh.openPullRequest('acme/widgets', {
        title: 'Fix',
        user: 'mallory',
        fromFork: 'mallory/widgets',
        head: 'fix',
      });
      const { data } = await octokit.rest.pulls.get({ owner: 'acme', repo: 'widgets', pull_number: pr.number });
      expect(data.head).toMatchObject({ ref: 'fix', repo: { full_name: 'mallory/widgets', fork: true } });
      expect(data.base.repo.full_name).toBe('acme/widgets');
      const { data: upd } = await octokit.rest.pulls.update({
        owner: 'acme',
        repo: 'widgets',
        pull_number: pr.number,
        title: 'Fix it',
      });
      expect(upd.title).toBe('Fix it');
      gh.createIssue('acme/widgets', { title: 'plain issue' });
      await expect(octokit.rest.pulls.get({ owner: 'acme', repo: 'widgets', pull_number: 2 })).rejects.toMatchObject({
        status: 404,
      });
    });

    it('creates, reads, moves and deletes tag refs, 422 on duplicates', async () => {
      const sha = 'a'.repeat(40);
      const ref = 'refs/tags/ciflow/trunk/7';
      const { status } = await octokit.rest.git.createRef({ owner: 'acme', repo: 'widgets', ref, sha });
      expect(status).toBe(201);
      await expect(octokit.rest.git.createRef({ owner: 'acme', repo: 'widgets', ref, sha })).rejects.toMatchObject({
        status: 422,
        message: expect.stringContaining('Reference already exists'),
      });
      const { data } = await octokit.rest.git.getRef({ owner: 'acme', repo: 'widgets', ref: 'tags/ciflow/trunk/7' });
      expect(data.object.sha).toBe(sha);
      await octokit.rest.git.updateRef({
        owner: 'acme',
        repo: 'widgets',
        ref: 'tags/ciflow/trunk/7',
        sha: 'b'.repeat(40),
        force: true,
      });
      expect(gh.refs('acme/widgets')[ref]).toBe('b'.repeat(40));
      const { data: matching } = await octokit.rest.git.listMatchingRefs({
        owner: 'acme',
        repo: 'widgets',
        ref: 'tags/ciflow',
      });
      expect(matching.map((r) => r.ref)).toEqual([ref]);
      await octokit.rest.git.deleteRef({ owner: 'acme', repo: 'widgets', ref: 'tags/ciflow/trunk/7' });
      await expect(
        octokit.rest.git.getRef({ owner: 'acme', repo: 'widgets', ref: 'tags/ciflow/trunk/7' }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(
        octokit.rest.git.deleteRef({ owner: 'acme', repo: 'widgets', ref: 'tags/ciflow/trunk/7' }),
      ).rejects.toMatchObject({ status: 422 });
    });
  });
});
