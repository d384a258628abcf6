import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Probot } from 'probot';
import { helperBots, type HelperBotDeps } from '../../src/app';
import { TRACKING_STATUS_MARKER } from '../../src/config/helpers-config';
import { HttpError, startGitHubStandIn, type GitHubStandIn, type WebhookDelivery } from '../support/github-stand-in';
import { standInProbot } from '../support/test-octokit';

/**
 * The PTP-style helpers end to end: the GitHub stand-in sends its webhooks (a human's label, a push, an edit, and the
 * bot's own echoes) straight into a real Probot app, which calls the stand-in back over HTTP. Redeliveries are the
 * stand-in's, with the same delivery id and body.
 */

const FULL = 'acme/widgets';
const TRACKING = 100;
const CONFIG = '.github/issue_label_bot.yaml';
const TOKENS = 'POST /app/installations/{installation_id}/access_tokens';
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

let gh: GitHubStandIn;
/** Where the stand-in's webhooks go; null holds them (recorded, answered 200, not handled) for a late delivery. */
let app: Probot | null = null;

function makeProbot(deps: HelperBotDeps = {}): Probot {
  const probot = standInProbot(gh);
  void probot.load((a) => {
    helperBots(a, deps);
  });
  return probot;
}

beforeAll(async () => {
  gh = await startGitHubStandIn({
    webhookTarget: async (delivery: WebhookDelivery) => {
      if (!app) return { status: 200, body: 'held' };
      await app.receive({ id: delivery.id, name: delivery.event, payload: delivery.payload } as never);
      return { status: 200 };
    },
  });
});
afterAll(async () => {
  await gh.close();
});

function setup(body = trackingBody(), deps: HelperBotDeps = {}): Probot {
  gh.reset();
  app = null;
  gh.createRepo(FULL, { files: { [CONFIG]: `tracking-issue: ${TRACKING}\n` } });
  gh.setPermission(FULL, 'maintainer', 'admin');
  gh.setPermission(FULL, 'outsider', 'read');
  gh.createIssue(FULL, { number: TRACKING, title: 'Tracking', body, user: 'maintainer', webhook: false });
  gh.counters.reset();
  app = makeProbot(deps);
  return app;
}
beforeEach(() => {
  app = null;
});

const addIssue = (number: number, o: { body?: string; user?: string; labels?: string[] } = {}) =>
  gh.createIssue(FULL, {
    number,
    title: `issue ${number}`,
    body: o.body ?? '',
    user: o.user ?? 'reporter',
    labels: o.labels,
    webhook: false,
  });
const addPull = (number: number, o: { body?: string; user?: string; fromFork?: string; headInBase?: boolean } = {}) =>
  gh.openPullRequest(FULL, {
    number,
    title: `PR ${number}`,
    body: o.body ?? '',
    user: o.user ?? 'reporter',
    fromFork: o.fromFork,
    headInBase: o.headInBase,
    webhook: false,
  });
const headSha = (number: number) => gh.store.requireIssue(gh.repo(FULL), number).pull!.headSha;
const body = (number: number) => gh.issue(FULL, number).body;
const labels = (number: number) => gh.issue(FULL, number).labels;
/** API calls of the helpers (not installation tokens), optionally those whose `METHOD path` matches. */
const calls = (pattern?: RegExp) =>
  gh.counters.requests().filter((r) => r.endpoint !== TOKENS && (!pattern || pattern.test(`${r.method} ${r.path}`)));
const writes = (pattern?: RegExp) => calls(pattern).filter((r) => r.write);
/** The ciflow tags, as `tags/…` → sha. */
const tags = () =>
  Object.fromEntries(
    Object.entries(gh.refs(FULL))
      .filter(([r]) => r.startsWith('refs/tags/'))
      .map(([r, sha]) => [r.slice(5), sha]),
  );
const lastDelivery = (event: string, action: string) =>
  gh.webhooks.deliveries.filter((d) => d.event === event && d.action === action).at(-1)!;

/**
 * Run a change on the stand-in and wait for its webhook (and what the app does about it, echoes included); then send
 * that first `action` delivery `times - 1` more times (GitHub's "Redeliver": same id, same body).
 */
async function act(action: string, change: () => unknown, times = 1): Promise<WebhookDelivery> {
  const before = gh.webhooks.deliveries.length;
  change();
  await gh.idle();
  const delivery = gh.webhooks.deliveries.slice(before).find((d) => d.action === action);
  if (!delivery) throw new Error(`no ${action} delivery`);
  for (let i = 1; i < times; i++) await gh.redeliver(delivery.id);
  await gh.idle();
  return delivery;
}

/** `actor` labels the item on the stand-in; its webhook reaches the app `times` times. */
async function labelAndDeliver(number: number, label: string, actor = 'maintainer', times = 1): Promise<void> {
  await act('labeled', () => gh.addLabels(FULL, number, [label], { user: actor }), times);
}

/** The last label event on an item happened `minutes` ago. */
function backdateLastEvent(number: number, minutes: number): void {
  gh.store.requireIssue(gh.repo(FULL), number).events.at(-1)!.createdAt = new Date(
    Date.now() - minutes * 60_000,
  ).toISOString();
}

describe('CC subscriptions', () => {
  it.each([1, 2, 3])(
    'issue labeled, delivered %i time(s): one PATCH, author and bots excluded, body preserved',
    async (times) => {
      setup();
      const text = 'Steps:\r\n1. run it\r\n\r\n```\r\ncc @nobody inside code\r\n```\r\n';
      addIssue(1, { body: text, user: 'alice' });
      await labelAndDeliver(1, 'bug', 'maintainer', times);
      expect(body(1)).toBe(`${text}\r\ncc @org/triage`);
      expect(writes(/^PATCH \/repos\/acme\/widgets\/issues\/1$/)).toHaveLength(1);
    },
  );

  it('merges into an existing cc line and only writes when the set grows', async () => {
    setup();
    addIssue(2, { body: 'text\ncc @tom\nmore text', labels: ['triage review'] });
    await labelAndDeliver(2, 'bug');
    expect(body(2)).toBe('text\ncc @tom @alice @org/triage\nmore text');
    // A label whose subscribers are already cc'd writes nothing.
    gh.removeLabel(FULL, 2, 'triage review', { user: 'maintainer', webhook: false });
    await labelAndDeliver(2, 'triage review');
    expect(writes(/^PATCH \/repos\/acme\/widgets\/issues\/2$/)).toHaveLength(1);
  });

  it('reads the latest body before writing, keeping a human edit made after the event', async () => {
    const probot = setup();
    addIssue(3, { body: 'old' });
    app = null; // the labeled webhook is held back…
    const labeled = await act('labeled', () => gh.addLabels(FULL, 3, ['bug'], { user: 'maintainer' }));
    gh.editIssue(FULL, 3, { body: 'edited by a human a moment ago' }, { user: 'reporter', webhook: false });
    app = probot; // …and arrives after the edit
    await gh.redeliver(labeled.id);
    await gh.idle();
    expect(body(3)).toBe('edited by a human a moment ago\n\ncc @alice @org/triage');
  });

  it('makes no API call beyond config for a label nobody subscribes to', async () => {
    setup();
    addIssue(4, { body: 'x' });
    await labelAndDeliver(4, 'question');
    expect(writes()).toEqual([]);
    expect(body(4)).toBe('x');
  });

  it.each([1, 2, 3])('pull request labeled, delivered %i time(s): uses the pulls API', async (times) => {
    setup();
    addPull(7, { body: 'Fixes #1', user: 'contributor' });
    await labelAndDeliver(7, 'bug', 'maintainer', times);
    expect(body(7)).toBe('Fixes #1\n\ncc @alice @org/triage');
    expect(writes(/^PATCH \/repos\/acme\/widgets\/pulls\/7$/)).toHaveLength(1);
    expect(writes(/^PATCH \/repos\/acme\/widgets\/issues\/7$/)).toHaveLength(0);
  });
});

describe('label rules', () => {
  it.each([1, 2, 3])(
    'a chain converges in one write when delivered %i time(s), and bot echoes are ignored',
    async (times) => {
      setup();
      addIssue(10);
      await labelAndDeliver(10, 'high priority', 'maintainer', times);
      expect(labels(10)).toEqual(['high priority', 'triage review', 'needs discussion']);
      expect(writes(/^POST \/repos\/acme\/widgets\/issues\/10\/labels$/)).toHaveLength(1);
      const byBot = gh.issue(FULL, 10).events.filter((e) => e.actor === gh.botLogin);
      expect(byBot.map((e) => [e.event, e.label])).toEqual([
        ['labeled', 'triage review'],
        ['labeled', 'needs discussion'],
      ]);
      // The bot's own labeled events came back as webhooks (sender: the bot) and changed nothing.
      expect(
        gh.webhooks.deliveries.filter(
          (d) => d.action === 'labeled' && d.payload.sender && (d.payload.sender as { type: string }).type === 'Bot',
        ),
      ).toHaveLength(2);
      // Author (@reporter) is excluded; subscribers of rule-added labels are cc'd in the same pass.
      expect(body(10)).toBe('cc @hp-watcher @tom');
    },
  );

  it('all-rules fire only when every listed label is present', async () => {
    setup();
    addIssue(11);
    await labelAndDeliver(11, 'bug');
    expect(labels(11)).toEqual(['bug']);
    await labelAndDeliver(11, 'regression');
    expect(labels(11)).toEqual(['bug', 'regression', 'high priority', 'triage review', 'needs discussion']);
  });

  it('does not re-add a label a human removed within the window, but does after it', async () => {
    setup();
    addIssue(12);
    gh.addLabels(FULL, 12, ['triage review'], { user: 'maintainer', webhook: false });
    backdateLastEvent(12, 180);
    gh.removeLabel(FULL, 12, 'triage review', { user: 'maintainer', webhook: false });
    backdateLastEvent(12, 10);
    await labelAndDeliver(12, 'high priority');
    expect(labels(12)).toEqual(['high priority']);
    expect(writes(/^POST \/repos\/acme\/widgets\/issues\/12\/labels$/)).toHaveLength(0);

    addIssue(13);
    gh.addLabels(FULL, 13, ['triage review'], { user: 'maintainer', webhook: false });
    backdateLastEvent(13, 180);
    gh.removeLabel(FULL, 13, 'triage review', { user: 'maintainer', webhook: false });
    backdateLastEvent(13, 120);
    await labelAndDeliver(13, 'high priority');
    expect(labels(13)).toEqual(['high priority', 'triage review', 'needs discussion']);
  });

  it('a removal by a bot does not block re-adding', async () => {
    setup();
    addIssue(14);
    gh.addLabels(FULL, 14, ['triage review'], { user: 'other-bot[bot]', webhook: false });
    gh.removeLabel(FULL, 14, 'triage review', { user: 'other-bot[bot]', webhook: false });
    await labelAndDeliver(14, 'high priority');
    expect(labels(14)).toContain('triage review');
  });

  it("ignores labeled events sent by bots (our own additions) for rules, but still cc's", async () => {
    setup();
    addIssue(15);
    await labelAndDeliver(15, 'high priority', gh.botLogin);
    expect(labels(15)).toEqual(['high priority']);
    expect(writes(/labels$/)).toHaveLength(0);
    expect(body(15)).toBe('cc @hp-watcher'); // @reporter is the author
  });

  it('applies rules on pull requests too', async () => {
    setup();
    addPull(16);
    await labelAndDeliver(16, 'high priority');
    expect(labels(16)).toEqual(['high priority', 'triage review', 'needs discussion']);
  });
});

describe('ciflow tags', () => {
  it.each([1, 2, 3])('labeled delivered %i time(s): one tag at the head SHA, one write', async (times) => {
    setup();
    addPull(20, { user: 'contributor' });
    await labelAndDeliver(20, 'ciflow/trunk', 'maintainer', times);
    expect(tags()).toEqual({ 'tags/ciflow/trunk/20': headSha(20) });
    expect(writes(/git\/refs/)).toHaveLength(1);
  });

  it('follows pushes, survives redelivery, deletes on unlabeled and closed, recreates on reopened', async () => {
    setup();
    addPull(21);
    await labelAndDeliver(21, 'ciflow/trunk');
    const sha1 = headSha(21);
    // push, delivered 3 times
    let sha2 = '';
    await act('synchronize', () => (sha2 = gh.pushToPullRequest(FULL, 21, { user: 'contributor' })), 3);
    expect(tags()['tags/ciflow/trunk/21']).toBe(sha2);
    expect(writes(/^PATCH \/repos\/acme\/widgets\/git\/refs\//).map((c) => decodeURIComponent(c.path))).toEqual([
      '/repos/acme/widgets/git/refs/tags/ciflow/trunk/21',
    ]);
    // a late, out-of-order synchronize for the old head does not move the tag back
    const sync = lastDelivery('pull_request', 'synchronize').payload;
    const pr = sync.pull_request as { head: Record<string, unknown> };
    await gh.sendWebhook('pull_request', { ...sync, pull_request: { ...pr, head: { ...pr.head, sha: sha1 } } });
    expect(tags()['tags/ciflow/trunk/21']).toBe(sha2);
    // closed, delivered twice
    await act('closed', () => gh.editIssue(FULL, 21, { state: 'closed' }, { user: 'maintainer' }), 2);
    expect(tags()).toEqual({});
    // reopened
    await act('reopened', () => gh.editIssue(FULL, 21, { state: 'open' }, { user: 'maintainer' }));
    expect(tags()['tags/ciflow/trunk/21']).toBe(sha2);
    // unlabeled, delivered twice
    await act('unlabeled', () => gh.removeLabel(FULL, 21, 'ciflow/trunk', { user: 'maintainer' }), 2);
    expect(tags()).toEqual({});
    expect(writes(/^DELETE /)).toHaveLength(2); // one for closed, one for unlabeled
  });

  it('a late unlabeled does not delete the tag of a label that was re-added', async () => {
    const probot = setup();
    addPull(22);
    await labelAndDeliver(22, 'ciflow/periodic');
    app = null; // the unlabeled webhook is held back…
    const unlabeled = await act('unlabeled', () => gh.removeLabel(FULL, 22, 'ciflow/periodic', { user: 'maintainer' }));
    gh.addLabels(FULL, 22, ['ciflow/periodic'], { user: 'maintainer', webhook: false });
    app = probot; // …and arrives after the label is back
    await gh.redeliver(unlabeled.id);
    await gh.idle();
    expect(tags()['tags/ciflow/periodic/22']).toBe(headSha(22));
  });

  it('moves an existing tag when another copy created it first (422 Reference already exists)', async () => {
    setup();
    addPull(23);
    // Another copy of the bot creates the tag between our read (which finds none) and our create.
    let race = true;
    gh.route('GET', '/repos/{owner}/{repo}/git/ref/{ref+}', (ctx) => {
      const refs = gh.repo(`${ctx.params.owner}/${ctx.params.repo}`).refs;
      const ref = `refs/${ctx.params.ref}`;
      if (race) {
        race = false;
        refs.set(ref, '1'.repeat(40));
      } else if (refs.has(ref)) {
        return { status: 200, body: { ref, object: { type: 'commit', sha: refs.get(ref) } } };
      }
      throw new HttpError(404, 'Not Found');
    });
    await labelAndDeliver(23, 'ciflow/trunk');
    expect(tags()['tags/ciflow/trunk/23']).toBe(headSha(23));
    expect(writes(/git\/refs/).map((c) => [c.method, c.status])).toEqual([
      ['POST', 422],
      ['PATCH', 200],
    ]);
  });

  it('tags a fork PR at its head SHA (reachable in the base repo via refs/pull/N/head)', async () => {
    setup();
    addPull(24, { fromFork: 'someone/widgets', user: 'someone' });
    await labelAndDeliver(24, 'ciflow/trunk');
    expect(tags()['tags/ciflow/trunk/24']).toBe(headSha(24));
  });

  it('logs and skips when the fork commit is not (yet) in the base repo, without breaking CC', async () => {
    setup();
    addPull(25, { fromFork: 'someone/widgets', user: 'someone', headInBase: false });
    await labelAndDeliver(25, 'ciflow/trunk');
    expect(tags()).toEqual({});
    expect(calls(/git\/refs/).map((c) => c.status)).toEqual([422]);
    expect(body(25)).toBe('cc @ci-people');
  });

  it('skips fork PRs with ciflow.forks: skip', async () => {
    setup(
      trackingBody().replace('  labels: [ciflow/trunk, ciflow/periodic]', '  labels: [ciflow/trunk]\r\n  forks: skip'),
    );
    addPull(26, { fromFork: 'someone/widgets' });
    addPull(27);
    await labelAndDeliver(26, 'ciflow/trunk');
    await labelAndDeliver(27, 'ciflow/trunk');
    expect(tags()).toEqual({ 'tags/ciflow/trunk/27': headSha(27) });
  });

  it('a rule that adds a ciflow label triggers the tag too', async () => {
    setup(trackingBody().replace('label-rules:', 'label-rules:\r\n  - any: [run-trunk]\r\n    then: [ciflow/trunk]'));
    addPull(28);
    await labelAndDeliver(28, 'run-trunk');
    expect(tags()['tags/ciflow/trunk/28']).toBe(headSha(28));
  });

  it.each([1, 2, 3])(
    'repository_dispatch mode, delivered %i time(s): one dispatch per (head SHA, label)',
    async (times) => {
      setup(
        trackingBody().replace(
          '  labels: [ciflow/trunk, ciflow/periodic]',
          '  labels: [ciflow/trunk]\r\n  mode: repository_dispatch',
        ),
      );
      addPull(29);
      const sha1 = headSha(29);
      await labelAndDeliver(29, 'ciflow/trunk', 'maintainer', times);
      expect(gh.repo(FULL).dispatches).toEqual([
        {
          eventType: 'ciflow',
          clientPayload: { label: 'ciflow/trunk', pr: 29, head_sha: sha1, tag: 'ciflow/trunk/29' },
        },
      ]);
      expect(tags()).toEqual({});
      let sha2 = '';
      await act('synchronize', () => (sha2 = gh.pushToPullRequest(FULL, 29, { user: 'x' })));
      expect(gh.repo(FULL).dispatches.map((d) => d.clientPayload.head_sha)).toEqual([sha1, sha2]);
    },
  );
});

describe('tracking issue config', () => {
  const edit = (text: string, sender = 'maintainer', times = 1) =>
    act('edited', () => gh.editIssue(FULL, TRACKING, { body: text }, { user: sender }), times);
  const statusComments = () => gh.issue(FULL, TRACKING).comments;

  it('reports invalid handles in one status comment while the valid subscriptions work', async () => {
    setup();
    addIssue(30);
    await edit('* bug @good @bad--handle @x<script>\n', 'maintainer', 2);
    expect(statusComments()).toHaveLength(1);
    expect(statusComments()[0]!.body).toContain(TRACKING_STATUS_MARKER);
    expect(statusComments()[0]!.body).toMatch(/@bad--handle/);
    expect(statusComments()[0]!.body).toMatch(/with warnings/);
    await labelAndDeliver(30, 'bug');
    expect(body(30)).toBe('cc @good');
  });

  it('keeps the last good config on an invalid edit and says why; ignores edits by users without write access', async () => {
    setup();
    await edit('* bug @first\n');
    await edit('* bug @second\n```yaml\nlabel-rulez: []\n```\n');
    expect(statusComments()[0]!.body).toMatch(/invalid[\s\S]*label-rulez/);
    await edit('* bug @outsider-pick\n', 'outsider');
    addIssue(31);
    await labelAndDeliver(31, 'bug');
    expect(body(31)).toBe('cc @first');
  });

  it('uses the global config `repos:` section together with the tracking issue', async () => {
    setup('* bug @from-issue\n', {
      globalConfig: {
        get: async () => ({
          repos: { [FULL]: { cc: { bug: ['@from-global'] }, 'label-rules': [{ any: ['bug'], then: ['triage'] }] } },
        }),
      },
    });
    addIssue(32);
    await labelAndDeliver(32, 'bug');
    expect(labels(32)).toEqual(['bug', 'triage']);
    expect(body(32)).toBe('cc @from-global @from-issue');
  });

  it('does nothing for repos without a tracking issue or section', async () => {
    setup();
    gh.setFile(FULL, CONFIG, null);
    addIssue(33, { body: 'x' });
    await labelAndDeliver(33, 'bug');
    expect(body(33)).toBe('x');
    expect(writes()).toEqual([]);
  });
});

describe('cheap paths', () => {
  it('a push to a PR without labels makes no API call', async () => {
    setup();
    addPull(40);
    gh.pushToPullRequest(FULL, 40, { user: 'x' });
    await gh.idle();
    expect(lastDelivery('pull_request', 'synchronize').status).toBe(200);
    expect(calls()).toEqual([]);
  });

  it('a title-only edit of the tracking issue is not treated as a config edit', async () => {
    setup();
    gh.editIssue(FULL, TRACKING, { title: 'Tracking (renamed)' }, { user: 'maintainer' });
    await gh.idle();
    expect(lastDelivery('issues', 'edited').status).toBe(200);
    expect(calls()).toEqual([]);
    expect(gh.issue(FULL, TRACKING).comments).toHaveLength(0);
  });
});

describe('bot body edits', () => {
  it('our own cc-line edit (issues.edited from a Bot) costs no API call', async () => {
    setup();
    addIssue(41, { body: 'x' });
    gh.editIssue(FULL, 41, { body: 'cc @a' }, { user: gh.botLogin });
    await gh.idle();
    expect(lastDelivery('issues', 'edited').payload.sender).toMatchObject({ login: gh.botLogin, type: 'Bot' });
    expect(calls()).toEqual([]);
  });
});

describe('tracking issue refresh on other instances', () => {
  it('an instance that did not see the edit picks it up after the TTL', async () => {
    setup('* bug @old\n');
    let clock = 1_000_000;
    app = makeProbot({ now: () => clock, trackingTtlMs: 60_000 });
    addIssue(50);
    await labelAndDeliver(50, 'bug');
    expect(body(50)).toBe('cc @old');

    // The edit is delivered to some other instance; this one only sees the new body after its TTL.
    gh.editIssue(FULL, TRACKING, { body: '* bug @new\n' }, { user: 'maintainer', webhook: false });
    addIssue(51);
    await labelAndDeliver(51, 'bug');
    expect(body(51)).toBe('cc @old');

    clock += 61_000;
    addIssue(52);
    await labelAndDeliver(52, 'bug');
    expect(body(52)).toBe('cc @new');
  });
});
