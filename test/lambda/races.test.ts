/**
 * Racing deliveries and late writes on the universal route, through the production runtime with its shipped Octokit
 * (retries and throttling on) against the GitHub stand-in, which counts every comment creation (issue #19).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { httpApiEvent } from '../support/lambda-event';
import { standInHandler } from '../support/lambda-runtime';

let gh: GitHubStandIn;
/** Every comment the stand-in committed, by issue, whichever call created it (and whether or not it was deleted). */
let created: Map<string, number>;

function runtime(env: Record<string, string> = {}) {
  return standInHandler(gh, env);
}

const creations = (repo: string, number: number) => created.get(`${repo}#${number}`) ?? 0;

async function until(check: () => boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo('acme/widgets');
  created = new Map();
  const create = gh.store.createComment.bind(gh.store);
  vi.spyOn(gh.store, 'createComment').mockImplementation((repo, issue, ...rest) => {
    const key = `${repo.owner.login}/${repo.name}#${issue.number}`;
    created.set(key, (created.get(key) ?? 0) + 1);
    return create(repo, issue, ...rest);
  });
});
afterEach(async () => {
  await gh.close();
});

describe('ten racing deliveries of one new issue', () => {
  it.each([
    ['a repo that lacks the label (labels by REST, then the comment mutation)', false],
    ['a repo that has the label (labels and comment in one mutation)', true],
  ])(
    'create one comment, not ten, in %s: fresh GUIDs and the same GUID',
    { timeout: 20_000 },
    async (_name, hasLabel) => {
      if (hasLabel) gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
      const handler = runtime();
      gh.createIssue('acme/widgets', {
        title: 'Crash on start',
        body: 'trace',
        user: 'alice',
        number: 1,
        webhook: false,
      });
      gh.createIssue('acme/widgets', {
        title: 'Crash on exit',
        body: 'trace',
        user: 'alice',
        number: 2,
        webhook: false,
      });
      const fresh = Array.from({ length: 10 }, () => gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1)));
      const one = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 2));
      const same = Array.from({ length: 10 }, () => one);
      const answers = await Promise.all([...fresh, ...same].map((d) => handler(httpApiEvent(d))));
      expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 200));
      for (const n of [1, 2]) {
        expect(creations('acme/widgets', n)).toBe(1);
        expect(gh.botComments('acme/widgets', n)).toHaveLength(1);
        expect(gh.issue('acme/widgets', n).labels).toEqual(['bug']);
      }
    },
  );
});

describe('a comment write GitHub commits after the caller gave up', () => {
  it.each([
    ['the comment mutation', 'graphql:LabelBotAddComment', false],
    ['the labels-and-comment mutation', 'graphql:LabelBotApplyDecision', true],
  ])(
    'through %s is not retried blind: one creation, one comment, and a redelivery re-reads instead of writing',
    { timeout: 20_000 },
    async (_name, route, hasLabel) => {
      if (hasLabel) gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
      // Each GitHub request may take 300 ms; the comment write is answered (and committed) only after 900 ms.
      const handler = runtime({ GITHUB_REQUEST_TIMEOUT_MS: '300' });
      gh.createIssue('acme/widgets', {
        title: 'Crash on start',
        body: 'trace',
        user: 'alice',
        number: 1,
        webhook: false,
      });
      gh.faults.add({ kind: 'latency', route, latencyMs: 900, times: 1 });
      const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1));
      expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
      // Until GitHub has committed and answered the slow write the caller gave up on.
      await until(() => gh.counters.requests().some((r) => r.fault === 'latency' && r.status === 200), 5_000);
      expect(creations('acme/widgets', 1)).toBe(1);
      expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);

      const before = gh.counters.forIssue('acme/widgets', 1);
      expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
      expect(gh.counters.forIssue('acme/widgets', 1) - before).toBe(1); // the read; no write
      expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    },
  );

  it('a late duplicate found on a later read is removed, oldest kept', { timeout: 20_000 }, async () => {
    const handler = runtime();
    gh.createIssue('acme/widgets', {
      title: 'Crash on start',
      body: 'trace',
      user: 'alice',
      number: 1,
      webhook: false,
    });
    const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1));
    expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
    const [kept] = gh.botComments('acme/widgets', 1);
    // A write that landed late from some other attempt: the same marker, by the bot, younger.
    gh.comment('acme/widgets', 1, kept!.body, { user: gh.botLogin, webhook: false });
    expect(gh.botComments('acme/widgets', 1)).toHaveLength(2);
    expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
    expect(gh.botComments('acme/widgets', 1).map((c) => c.id)).toEqual([kept!.id]);
  });
});
