import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACKING_STATUS_MARKER } from '../../src/config/helpers-config';
import {
  BOT,
  deliver,
  FakeGitHub,
  human,
  labeledEvent,
  makeProbot,
  pullPayload,
  type FakeItem,
} from '../helpers/fake-github';

const TRACKING = 100;
const trackingBody = (extraYaml = '') =>
  [
    'Subscribe to labels below (one bullet per label).',
    '',
    '* bug @alice @org/triage',
    '* triage review - @tom',
    '* high priority @reporter @hp-watcher',
    '* ciflow/trunk @ci-people',
    '',
    '```yaml',
    'label-rules:',
    '  - any: [high priority]',
    '    then: [triage review]',
    '  - any: [triage review]',
    '    then: [needs discussion]',
    '  - all: [bug, regression]',
    '    then: [high priority]',
    'ciflow:',
    '  labels: [ciflow/trunk, ciflow/periodic]',
    'respect-removal-minutes: 60',
    extraYaml,
    '```',
  ].join('\r\n');

let fake: FakeGitHub;

function setup(body = trackingBody()): void {
  fake = new FakeGitHub();
  fake.repoFile = `tracking-issue: ${TRACKING}\n`;
  fake.addIssue({ number: TRACKING, body, author: human('maintainer') });
  fake.permissions = { maintainer: 'admin', outsider: 'read' };
  fake.install();
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Labels the item as `actor` in the model and delivers the webhook `times` times. */
async function labelAndDeliver(number: number, label: string, actor = human('maintainer'), times = 1) {
  const probot = makeProbot();
  fake.label(number, label, actor);
  const event = labeledEvent(fake, number, label, actor);
  for (let i = 0; i < times; i++) await deliver(probot, fake, event.issue ? 'issues' : 'pull_request', event);
  return probot;
}

/** Delivers the labeled events the bot's own label additions cause (sender Bot), as GitHub would. */
async function deliverBotEchoes(probot: ReturnType<typeof makeProbot>, item: FakeItem, since: number) {
  for (const e of item.events.slice(since)) {
    if (e.actor.type === 'Bot' && e.event === 'labeled') {
      const event = labeledEvent(fake, item.number, e.label, BOT);
      await deliver(probot, fake, event.issue ? 'issues' : 'pull_request', event);
    }
  }
}

describe('CC subscriptions', () => {
  it.each([1, 2, 3])('issue labeled, delivered %i time(s): one PATCH, author and bots excluded, body preserved', async (times) => {
    setup();
    const body = 'Steps:\r\n1. run it\r\n\r\n```\r\ncc @nobody inside code\r\n```\r\n';
    fake.addIssue({ number: 1, body, author: human('alice'), labels: [] });
    await labelAndDeliver(1, 'bug', human('maintainer'), times);
    expect(fake.items.get(1)!.body).toBe(`${body}\r\ncc @org/triage`);
    expect(fake.writesTo(/^PATCH \/issues\/1$/)).toHaveLength(1);
  });

  it('merges into an existing cc line and only writes when the set grows', async () => {
    setup();
    fake.addIssue({ number: 2, body: 'text\ncc @tom\nmore text', author: human('reporter'), labels: ['triage review'] });
    const probot = await labelAndDeliver(2, 'bug');
    expect(fake.items.get(2)!.body).toBe('text\ncc @tom @alice @org/triage\nmore text');
    // A label whose subscribers are already cc'd writes nothing.
    fake.label(2, 'triage review', human('maintainer'));
    await deliver(probot, fake, 'issues', labeledEvent(fake, 2, 'triage review', human('maintainer')));
    expect(fake.writesTo(/^PATCH \/issues\/2$/)).toHaveLength(1);
  });

  it('reads the latest body before writing, keeping a human edit made after the event', async () => {
    setup();
    fake.addIssue({ number: 3, body: 'old', author: human('reporter') });
    fake.label(3, 'bug', human('maintainer'));
    const event = labeledEvent(fake, 3, 'bug', human('maintainer'));
    fake.items.get(3)!.body = 'edited by a human a moment ago';
    await deliver(makeProbot(), fake, 'issues', event);
    expect(fake.items.get(3)!.body).toBe('edited by a human a moment ago\n\ncc @alice @org/triage');
  });

  it('makes no API call beyond config for a label nobody subscribes to', async () => {
    setup();
    fake.addIssue({ number: 4, body: 'x' });
    await labelAndDeliver(4, 'question');
    expect(fake.writes).toHaveLength(0);
    expect(fake.items.get(4)!.body).toBe('x');
  });

  it.each([1, 2, 3])('pull request labeled, delivered %i time(s): uses the pulls API', async (times) => {
    setup();
    fake.addPull({ number: 7, body: 'Fixes #1', author: human('contributor'), headSha: 'a'.repeat(40) });
    await labelAndDeliver(7, 'bug', human('maintainer'), times);
    expect(fake.items.get(7)!.body).toBe('Fixes #1\n\ncc @alice @org/triage');
    expect(fake.writesTo(/^PATCH \/pulls\/7$/)).toHaveLength(1);
    expect(fake.writesTo(/^PATCH \/issues\/7$/)).toHaveLength(0);
  });
});

describe('label rules', () => {
  it.each([1, 2, 3])('a chain converges in one write when delivered %i time(s), and bot echoes are ignored', async (times) => {
    setup();
    const item = fake.addIssue({ number: 10, body: '', author: human('reporter') });
    const probot = await labelAndDeliver(10, 'high priority', human('maintainer'), times);
    expect(item.labels).toEqual(['high priority', 'triage review', 'needs discussion']);
    expect(fake.writesTo(/^POST \/issues\/10\/labels$/)).toHaveLength(1);
    expect(fake.writesTo(/^POST \/issues\/10\/labels$/)[0]!.body).toEqual({ labels: ['triage review', 'needs discussion'] });
    // Author (@reporter) is excluded; subscribers of rule-added labels are cc'd in the same pass.
    expect(item.body).toBe('cc @hp-watcher @tom');
    const writes = fake.writes.length;
    await deliverBotEchoes(probot, item, 1);
    expect(fake.writes.length).toBe(writes);
    expect(item.labels).toHaveLength(3);
  });

  it('all-rules fire only when every listed label is present', async () => {
    setup();
    const item = fake.addIssue({ number: 11, body: '', labels: [] });
    const probot = await labelAndDeliver(11, 'bug');
    expect(item.labels).toEqual(['bug']);
    fake.label(11, 'regression', human('maintainer'));
    await deliver(probot, fake, 'issues', labeledEvent(fake, 11, 'regression', human('maintainer')));
    expect(item.labels).toEqual(['bug', 'regression', 'high priority', 'triage review', 'needs discussion']);
  });

  it('does not re-add a label a human removed within the window, but does after it', async () => {
    setup();
    const now = Date.now();
    const recent = fake.addIssue({ number: 12, body: '' });
    fake.label(12, 'triage review', human('maintainer'), new Date(now - 3 * 3600_000).toISOString());
    fake.unlabel(12, 'triage review', human('maintainer'), new Date(now - 10 * 60_000).toISOString());
    await labelAndDeliver(12, 'high priority');
    expect(recent.labels).toEqual(['high priority']);
    expect(fake.writesTo(/^POST \/issues\/12\/labels$/)).toHaveLength(0);

    const old = fake.addIssue({ number: 13, body: '' });
    fake.unlabel(13, 'triage review', human('maintainer'), new Date(now - 2 * 3600_000).toISOString());
    await labelAndDeliver(13, 'high priority');
    expect(old.labels).toEqual(['high priority', 'triage review', 'needs discussion']);
  });

  it('a removal by a bot does not block re-adding', async () => {
    setup();
    const item = fake.addIssue({ number: 14, body: '' });
    fake.unlabel(14, 'triage review', BOT);
    await labelAndDeliver(14, 'high priority');
    expect(item.labels).toContain('triage review');
  });

  it("ignores labeled events sent by bots (our own additions) for rules, but still cc's", async () => {
    setup();
    const item = fake.addIssue({ number: 15, body: '' });
    await labelAndDeliver(15, 'high priority', BOT);
    expect(item.labels).toEqual(['high priority']);
    expect(fake.writesTo(/labels$/)).toHaveLength(0);
    expect(item.body).toBe('cc @hp-watcher'); // @reporter is the author
  });

  it('applies rules on pull requests too', async () => {
    setup();
    const pr = fake.addPull({ number: 16, headSha: 'b'.repeat(40) });
    await labelAndDeliver(16, 'high priority');
    expect(pr.labels).toEqual(['high priority', 'triage review', 'needs discussion']);
  });
});

describe('ciflow tags', () => {
  const sha1 = '1'.repeat(40);
  const sha2 = '2'.repeat(40);

  it.each([1, 2, 3])('labeled delivered %i time(s): one tag at the head SHA, one write', async (times) => {
    setup();
    fake.addPull({ number: 20, headSha: sha1, author: human('contributor') });
    await labelAndDeliver(20, 'ciflow/trunk', human('maintainer'), times);
    expect(Object.fromEntries(fake.refs)).toEqual({ 'tags/ciflow/trunk/20': sha1 });
    expect(fake.writesTo(/git\/refs/)).toHaveLength(1);
  });

  it('follows pushes, survives redelivery, deletes on unlabeled and closed, recreates on reopened', async () => {
    setup();
    const pr = fake.addPull({ number: 21, headSha: sha1 });
    const probot = await labelAndDeliver(21, 'ciflow/trunk');
    // push
    pr.pull!.headSha = sha2;
    fake.objects.add(sha2);
    const sync = { action: 'synchronize', sender: human('contributor'), pull_request: pullPayload(fake, 21), number: 21 };
    for (let i = 0; i < 3; i++) await deliver(probot, fake, 'pull_request', sync);
    expect(fake.refs.get('tags/ciflow/trunk/21')).toBe(sha2);
    expect(fake.writesTo(/^PATCH \/git\/refs\/tags\/ciflow\/trunk\/21$/)).toHaveLength(1);
    // a late, out-of-order synchronize for the old head does not move the tag back
    const stale = { ...sync, pull_request: { ...pullPayload(fake, 21), head: { sha: sha1, repo: { full_name: 'acme/widgets' } } } };
    await deliver(probot, fake, 'pull_request', stale);
    expect(fake.refs.get('tags/ciflow/trunk/21')).toBe(sha2);
    // closed
    pr.state = 'closed';
    const closed = { action: 'closed', sender: human('maintainer'), pull_request: pullPayload(fake, 21), number: 21 };
    await deliver(probot, fake, 'pull_request', closed);
    await deliver(probot, fake, 'pull_request', closed);
    expect(fake.refs.size).toBe(0);
    // reopened
    pr.state = 'open';
    await deliver(probot, fake, 'pull_request', { action: 'reopened', sender: human('maintainer'), pull_request: pullPayload(fake, 21), number: 21 });
    expect(fake.refs.get('tags/ciflow/trunk/21')).toBe(sha2);
    // unlabeled, delivered twice
    fake.unlabel(21, 'ciflow/trunk', human('maintainer'));
    const unlabeled = { action: 'unlabeled', label: { name: 'ciflow/trunk' }, sender: human('maintainer'), pull_request: pullPayload(fake, 21), number: 21 };
    await deliver(probot, fake, 'pull_request', unlabeled);
    await deliver(probot, fake, 'pull_request', unlabeled);
    expect(fake.refs.size).toBe(0);
    expect(fake.writesTo(/^DELETE /)).toHaveLength(2); // one for closed, one for unlabeled
  });

  it('a late unlabeled does not delete the tag of a label that was re-added', async () => {
    setup();
    fake.addPull({ number: 22, headSha: sha1 });
    const probot = await labelAndDeliver(22, 'ciflow/periodic');
    fake.unlabel(22, 'ciflow/periodic', human('maintainer'));
    const unlabeled = { action: 'unlabeled', label: { name: 'ciflow/periodic' }, sender: human('maintainer'), pull_request: pullPayload(fake, 22), number: 22 };
    fake.label(22, 'ciflow/periodic', human('maintainer'));
    await deliver(probot, fake, 'pull_request', unlabeled);
    expect(fake.refs.get('tags/ciflow/periodic/22')).toBe(sha1);
  });

  it('moves an existing tag when another copy created it first (422 Reference already exists)', async () => {
    setup();
    fake.addPull({ number: 23, headSha: sha2 });
    fake.objects.add(sha1);
    fake.refs.set('tags/ciflow/trunk/23', sha1);
    await labelAndDeliver(23, 'ciflow/trunk');
    expect(fake.refs.get('tags/ciflow/trunk/23')).toBe(sha2);
  });

  it('tags a fork PR at its head SHA (reachable in the base repo via refs/pull/N/head)', async () => {
    setup();
    fake.addPull({ number: 24, headSha: sha1, headRepo: 'someone/widgets', author: human('someone') });
    await labelAndDeliver(24, 'ciflow/trunk');
    expect(fake.refs.get('tags/ciflow/trunk/24')).toBe(sha1);
  });

  it('logs and skips when the fork commit is not (yet) in the base repo, without breaking CC', async () => {
    setup();
    const pr = fake.addPull({ number: 25, headSha: sha1, headRepo: 'someone/widgets', author: human('someone'), reachable: false });
    await labelAndDeliver(25, 'ciflow/trunk');
    expect(fake.refs.size).toBe(0);
    expect(pr.body).toBe('cc @ci-people');
  });

  it('skips fork PRs with ciflow.forks: skip', async () => {
    setup(trackingBody().replace('  labels: [ciflow/trunk, ciflow/periodic]', '  labels: [ciflow/trunk]\r\n  forks: skip'));
    fake.addPull({ number: 26, headSha: sha1, headRepo: 'someone/widgets' });
    fake.addPull({ number: 27, headSha: sha2 });
    await labelAndDeliver(26, 'ciflow/trunk');
    await labelAndDeliver(27, 'ciflow/trunk');
    expect(Object.fromEntries(fake.refs)).toEqual({ 'tags/ciflow/trunk/27': sha2 });
  });

  it('a rule that adds a ciflow label triggers the tag too', async () => {
    setup(trackingBody().replace('label-rules:', 'label-rules:\r\n  - any: [run-trunk]\r\n    then: [ciflow/trunk]'));
    fake.addPull({ number: 28, headSha: sha1 });
    await labelAndDeliver(28, 'run-trunk');
    expect(fake.refs.get('tags/ciflow/trunk/28')).toBe(sha1);
  });

  it.each([1, 2, 3])('repository_dispatch mode, delivered %i time(s): one dispatch per (head SHA, label)', async (times) => {
    setup(trackingBody().replace('  labels: [ciflow/trunk, ciflow/periodic]', '  labels: [ciflow/trunk]\r\n  mode: repository_dispatch'));
    const pr = fake.addPull({ number: 29, headSha: sha1 });
    const probot = await labelAndDeliver(29, 'ciflow/trunk', human('maintainer'), times);
    expect(fake.dispatches).toEqual([
      { event_type: 'ciflow', client_payload: { label: 'ciflow/trunk', pr: 29, head_sha: sha1, tag: 'ciflow/trunk/29' } },
    ]);
    expect(fake.refs.size).toBe(0);
    pr.pull!.headSha = sha2;
    await deliver(probot, fake, 'pull_request', { action: 'synchronize', sender: human('x'), pull_request: pullPayload(fake, 29), number: 29 });
    expect(fake.dispatches.map((d) => d.client_payload.head_sha)).toEqual([sha1, sha2]);
  });
});

describe('tracking issue config', () => {
  function editEvent(body: string, sender = human('maintainer')) {
    fake.items.get(TRACKING)!.body = body;
    return {
      action: 'edited',
      sender,
      issue: { number: TRACKING, body, user: { login: 'maintainer', type: 'User' }, labels: [], state: 'open' },
      changes: { body: { from: '' } },
    };
  }

  it('reports invalid handles in one status comment while the valid subscriptions work', async () => {
    setup();
    const probot = makeProbot();
    fake.addIssue({ number: 30, body: '' });
    await deliver(probot, fake, 'issues', editEvent('* bug @good @bad--handle @x<script>\n'));
    await deliver(probot, fake, 'issues', editEvent('* bug @good @bad--handle @x<script>\n'));
    const comments = fake.items.get(TRACKING)!.comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(TRACKING_STATUS_MARKER);
    expect(comments[0]!.body).toMatch(/@bad--handle/);
    expect(comments[0]!.body).toMatch(/with warnings/);
    fake.label(30, 'bug', human('maintainer'));
    await deliver(probot, fake, 'issues', labeledEvent(fake, 30, 'bug', human('maintainer')));
    expect(fake.items.get(30)!.body).toBe('cc @good');
  });

  it('keeps the last good config on an invalid edit and says why; ignores edits by users without write access', async () => {
    setup();
    const probot = makeProbot();
    await deliver(probot, fake, 'issues', editEvent('* bug @first\n'));
    await deliver(probot, fake, 'issues', editEvent('* bug @second\n```yaml\nlabel-rulez: []\n```\n'));
    expect(fake.items.get(TRACKING)!.comments[0]!.body).toMatch(/invalid[\s\S]*label-rulez/);
    await deliver(probot, fake, 'issues', editEvent('* bug @outsider-pick\n', human('outsider')));
    fake.addIssue({ number: 31, body: '' });
    fake.label(31, 'bug', human('maintainer'));
    await deliver(probot, fake, 'issues', labeledEvent(fake, 31, 'bug', human('maintainer')));
    expect(fake.items.get(31)!.body).toBe('cc @first');
  });

  it('uses the global config `repos:` section together with the tracking issue', async () => {
    setup('* bug @from-issue\n');
    const probot = makeProbot({
      globalConfig: { get: async () => ({ repos: { 'acme/widgets': { cc: { bug: ['@from-global'] }, 'label-rules': [{ any: ['bug'], then: ['triage'] }] } } }) },
    });
    const item = fake.addIssue({ number: 32, body: '' });
    fake.label(32, 'bug', human('maintainer'));
    await deliver(probot, fake, 'issues', labeledEvent(fake, 32, 'bug', human('maintainer')));
    expect(item.labels).toEqual(['bug', 'triage']);
    expect(item.body).toBe('cc @from-global @from-issue');
  });

  it('does nothing for repos without a tracking issue or section', async () => {
    setup();
    fake.repoFile = undefined;
    const item = fake.addIssue({ number: 33, body: 'x' });
    await labelAndDeliver(33, 'bug');
    expect(item.body).toBe('x');
    expect(fake.writes).toHaveLength(0);
  });
});

describe('cheap paths', () => {
  it('a push to a PR without labels makes no API call', async () => {
    setup();
    fake.addPull({ number: 40, headSha: 'c'.repeat(40) });
    const before = fake.requests;
    await deliver(makeProbot(), fake, 'pull_request', { action: 'synchronize', sender: human('x'), pull_request: pullPayload(fake, 40), number: 40 });
    expect(fake.requests - before).toBe(0);
  });

  it('a title-only edit of the tracking issue is not treated as a config edit', async () => {
    setup();
    await deliver(makeProbot(), fake, 'issues', {
      action: 'edited',
      sender: human('maintainer'),
      issue: { number: TRACKING, body: '* bug @x--y', user: { login: 'maintainer', type: 'User' }, labels: [], state: 'open' },
      changes: { title: { from: 'old' } },
    });
    expect(fake.requests).toBe(0);
    expect(fake.items.get(TRACKING)!.comments).toHaveLength(0);
  });
});

describe('bot body edits', () => {
  it('our own cc-line edit (issues.edited from a Bot) costs no API call', async () => {
    setup();
    fake.addIssue({ number: 41, body: 'cc @a' });
    await deliver(makeProbot(), fake, 'issues', {
      action: 'edited',
      sender: BOT,
      issue: { number: 41, body: 'cc @a', user: { login: 'reporter', type: 'User' }, labels: [], state: 'open' },
      changes: { body: { from: '' } },
    });
    expect(fake.requests).toBe(0);
  });
});

describe('tracking issue refresh on other instances', () => {
  it('an instance that did not see the edit picks it up after the TTL', async () => {
    setup('* bug @old\n');
    let clock = 1_000_000;
    const other = makeProbot({ now: () => clock, trackingTtlMs: 60_000 });
    const a = fake.addIssue({ number: 50, body: '' });
    fake.label(50, 'bug', human('maintainer'));
    await deliver(other, fake, 'issues', labeledEvent(fake, 50, 'bug', human('maintainer')));
    expect(a.body).toBe('cc @old');

    // The edit is delivered to some other instance; this one only sees the new body after its TTL.
    fake.items.get(TRACKING)!.body = '* bug @new\n';
    const b = fake.addIssue({ number: 51, body: '' });
    fake.label(51, 'bug', human('maintainer'));
    await deliver(other, fake, 'issues', labeledEvent(fake, 51, 'bug', human('maintainer')));
    expect(b.body).toBe('cc @old');

    clock += 61_000;
    const c = fake.addIssue({ number: 52, body: '' });
    fake.label(52, 'bug', human('maintainer'));
    await deliver(other, fake, 'issues', labeledEvent(fake, 52, 'bug', human('maintainer')));
    expect(c.body).toBe('cc @new');
  });
});
