import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideCohort } from '../../src/rollout/cohort';
import { CONFIG_ISSUE_NUMBER, CONFIG_REPO, configBody, OPERATOR, startE2EStack, type E2EStack } from './stack';

/**
 * End to end on one machine: GitHub stand-in → Lambda handler → Pub/Sub (gRPC fake) → worker → GitHub stand-in.
 * acme/widgets is fully rolled out to its repo model, acme/gadgets not at all (until the config edit test),
 * acme/quiet is silent (comment: false) and acme/helped has CC subscriptions and a label rule.
 */
const SALT = 'e2e-salt';
const BASE_CONFIG = `
salt: ${SALT}
rollout:
  acme/widgets: 1.0
  acme/gadgets: 0
repos:
  acme/helped:
    cc:
      bug: "@alice @acme/triage"
    label-rules:
      - any: ["high priority"]
        then: ["triage review"]
    ciflow:
      labels: ["ciflow/trunk"]
`;

describe('end to end: stand-in → handler → Pub/Sub → worker', () => {
  let s: E2EStack;
  beforeAll(async () => {
    // Two workers on one subscription, as two pods would be; one message at a time each, so duplicates of one
    // message really run side by side in different pods.
    s = await startE2EStack({ configYaml: BASE_CONFIG, workers: 2, workerConcurrency: 1 });
    s.gh.createRepo('acme/widgets');
    s.gh.createRepo('acme/gadgets');
    s.gh.createRepo('acme/quiet', { files: { '.github/issue_label_bot.yaml': 'comment: false\n' } });
    s.gh.createRepo('acme/helped');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('routes a rolled-out repo through the worker (repo model) and the rest through the universal model', async () => {
    const fwd = s.gh.createIssue('acme/widgets', {
      title: 'App crash on start',
      body: 'Segfault after update',
      user: 'alice',
    });
    const uni = s.gh.createIssue('acme/gadgets', {
      title: 'App crash on start',
      body: 'Segfault after update',
      user: 'alice',
    });
    await s.settle();

    expect(s.gh.issue('acme/widgets', fwd.number).labels).toEqual(['kind/bug']);
    expect(s.gh.issue('acme/gadgets', uni.number).labels).toEqual(['bug']);
    expect(s.published().filter((m) => m.repo === 'acme/widgets' && m.issue === fwd.number)).toHaveLength(1);
    expect(s.published().filter((m) => m.repo === 'acme/gadgets')).toHaveLength(0);
    for (const [repo, n] of [
      ['acme/widgets', fwd.number],
      ['acme/gadgets', uni.number],
    ] as const) {
      const comments = s.gh.botComments(repo, n);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('<!-- label-bot');
    }
    // The bot's own labeled events came back as webhooks (sender: Bot) and were ignored: no loop.
    expect(
      s.gh.webhooks.deliveries.some(
        (d) => d.action === 'labeled' && (d.payload.sender as { type: string }).type === 'Bot',
      ),
    ).toBe(true);
    expect([...s.gh.webhooks.loopSuspects]).toEqual([]);
    expect(s.gh.webhooks.deliveries.every((d) => d.status === 200)).toBe(true);
  });

  const duplicateCheck = async (repo: string, parallel: boolean) => {
    const issue = s.gh.createIssue(repo, {
      title: 'Please add dark mode',
      body: 'Would be nice',
      user: 'bob',
      webhook: false,
    });
    const delivery = s.gh.buildWebhook('issues', s.gh.issuesPayload(repo, issue.number, 'opened'));
    if (parallel) {
      // Five copies at once, as when two Lambda instances (or two bot deployments) get the same event.
      // A slow issue read widens the race window the same way every run, so the outcome does not depend on timing.
      s.gh.faults.add({ kind: 'latency', latencyMs: 300, route: 'graphql:LabelBotIssueState', times: 5 });
      await Promise.all(Array.from({ length: 5 }, () => s.gh.webhooks.deliver({ ...delivery })));
    } else {
      await s.gh.webhooks.deliver(delivery);
    }
    await s.settle();
    s.gh.faults.clear();
    // Converged right away, not only after a later event re-reads the issue.
    expect({
      repo,
      comments: s.gh.botComments(repo, issue.number).length,
      stage: 'after the first deliveries',
    }).toEqual({
      repo,
      comments: 1,
      stage: 'after the first deliveries',
    });
    // Later: GitHub's "Redeliver" (same GUID) and a duplicate with a fresh GUID.
    await s.gh.redeliver(delivery.id);
    await s.gh.sendWebhook('issues', s.gh.issuesPayload(repo, issue.number, 'opened'));
    await s.settle();

    const snap = s.gh.issue(repo, issue.number);
    expect(snap.labels).toEqual([repo === 'acme/widgets' ? 'kind/feature' : 'feature']);
    expect({ repo, comments: s.gh.botComments(repo, issue.number).length }).toEqual({ repo, comments: 1 });
    expect(snap.events.filter((e) => e.event === 'labeled')).toHaveLength(1);
  };

  it('redelivered and duplicated events leave exactly one comment and the same labels, on both routes', async () => {
    await duplicateCheck('acme/widgets', false);
    await duplicateCheck('acme/gadgets', false);
  });

  // Simultaneous duplicates each read "no bot comment yet" and each post one; the labeler converges on one comment
  // (the comment mutation's payload lists the comments after the write, and every later read dedupes). A slow-read fault makes the race happen
  // the same way every run.
  it('parallel duplicate deliveries on the universal route leave exactly one comment', async () => {
    await duplicateCheck('acme/gadgets', true);
  });

  it('parallel duplicate deliveries on the forwarded route leave exactly one comment, across two worker pods', async () => {
    await duplicateCheck('acme/widgets', true);
  });

  it('never re-adds a label a human removed, on either route', async () => {
    for (const repo of ['acme/widgets', 'acme/gadgets']) {
      const issue = s.gh.createIssue(repo, { title: 'Crash when saving', body: 'crash', user: 'carol' });
      await s.settle();
      const label = repo === 'acme/widgets' ? 'kind/bug' : 'bug';
      expect(s.gh.issue(repo, issue.number).labels).toEqual([label]);

      s.gh.removeLabel(repo, issue.number, label, { user: 'maintainer' });
      // A reopen and a redelivered "opened" both run the labeler again on the live issue.
      s.gh.editIssue(repo, issue.number, { state: 'closed' }, { user: 'maintainer' });
      s.gh.editIssue(repo, issue.number, { state: 'open' }, { user: 'maintainer' });
      await s.gh.sendWebhook('issues', s.gh.issuesPayload(repo, issue.number, 'opened'));
      await s.settle();
      expect(s.gh.issue(repo, issue.number).labels).toEqual([]);
    }
  });

  it('silent mode: labels without a comment', async () => {
    const issue = s.gh.createIssue('acme/quiet', { title: 'How do I configure the cache?', user: 'dave' });
    await s.settle();
    expect(s.gh.issue('acme/quiet', issue.number).labels).toEqual(['question']);
    expect(s.gh.issue('acme/quiet', issue.number).comments).toEqual([]);
  });

  it('CC subscriptions and label rules run across the real handler, without loops', async () => {
    const issue = s.gh.createIssue('acme/helped', { title: 'Crash on exit', body: 'It crashes.', user: 'erin' });
    await s.settle();
    let snap = s.gh.issue('acme/helped', issue.number);
    expect(snap.labels).toEqual(['bug']);
    // The ML label (a Bot's labeled event) still notifies subscribers.
    expect(snap.body).toMatch(/cc @alice @acme\/triage/);

    s.gh.addLabels('acme/helped', issue.number, ['high priority'], { user: 'maintainer' });
    await s.settle();
    snap = s.gh.issue('acme/helped', issue.number);
    expect(snap.labels.sort()).toEqual(['bug', 'high priority', 'triage review']);
    const ruleEvent = snap.events.find((e) => e.label === 'triage review');
    expect(ruleEvent).toMatchObject({ event: 'labeled', actorType: 'Bot' });
    expect([...s.gh.webhooks.loopSuspects]).toEqual([]);
  });

  it('a transient GitHub failure on the universal route hands the issue to the worker, which labels it with the universal model', async () => {
    // Twice: the labeler retries a 5xx once by itself after a re-read. The repo may already have the label: then labels
    // and comment go in one mutation, so that fails too.
    s.gh.faults.add({
      kind: 'status',
      status: 502,
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      times: 2,
    });
    s.gh.faults.add({ kind: 'status', status: 502, route: 'graphql:LabelBotApplyDecision', times: 2 });
    const issue = s.gh.createIssue('acme/gadgets', { title: 'Crash after login', body: 'It crashes.', user: 'gina' });
    await s.settle();
    s.gh.faults.clear();
    const handOff = s.published().filter((m) => m.repo === 'acme/gadgets' && m.issue === issue.number);
    expect(handOff.map((m) => m.universal)).toEqual([true]);
    // Universal label names (not the repo model's kind/…), applied once, one comment.
    expect(s.gh.issue('acme/gadgets', issue.number).labels).toEqual(['bug']);
    expect(s.gh.botComments('acme/gadgets', issue.number)).toHaveLength(1);
  });

  it("ciflow: labeling a fork PR tags its head; the outsider's push withdraws the tag until a maintainer re-labels; unlabeling removes it", async () => {
    s.gh.setPermission('acme/helped', 'maintainer', 'write');
    const pr = s.gh.openPullRequest('acme/helped', {
      title: 'Speed up the parser',
      user: 'eve',
      fromFork: 'eve/helped',
      head: 'fast-parser',
    });
    await s.settle();
    s.gh.addLabels('acme/helped', pr.number, ['ciflow/trunk'], { user: 'maintainer' });
    await s.settle();
    const tag = `refs/tags/ciflow/trunk/${pr.number}`;
    const head = () => s.gh.store.requireIssue(s.gh.repo('acme/helped'), pr.number).pull!.headSha;
    expect(s.gh.refs('acme/helped')[tag]).toBe(head());

    // eve has no write access: her push is not reviewed, so the tag goes and one comment asks for a review.
    s.gh.pushToPullRequest('acme/helped', pr.number, { user: 'eve' });
    await s.settle();
    expect(s.gh.refs('acme/helped')[tag]).toBeUndefined();
    expect(s.gh.botComments('acme/helped', pr.number)).toHaveLength(1);

    s.gh.removeLabel('acme/helped', pr.number, 'ciflow/trunk', { user: 'maintainer' });
    s.gh.addLabels('acme/helped', pr.number, ['ciflow/trunk'], { user: 'maintainer' });
    await s.settle();
    expect(s.gh.refs('acme/helped')[tag]).toBe(head());

    s.gh.removeLabel('acme/helped', pr.number, 'ciflow/trunk', { user: 'maintainer' });
    await s.settle();
    expect(s.gh.refs('acme/helped')[tag]).toBeUndefined();
    // A PR is never labeled by the ML labeler; the only comment is the review note.
    expect(s.gh.botComments('acme/helped', pr.number)).toHaveLength(1);
  });

  it('a config edit by the operator propagates; an invalid edit keeps the last good config and says why', async () => {
    const before = s.gh.createIssue('acme/gadgets', { title: 'Crash in parser', user: 'frank' });
    await s.settle();
    expect(s.gh.issue('acme/gadgets', before.number).labels).toEqual(['bug']);

    s.gh.editIssue(
      CONFIG_REPO,
      CONFIG_ISSUE_NUMBER,
      { body: configBody(BASE_CONFIG.replace('acme/gadgets: 0', 'acme/gadgets: 1.0')) },
      { user: OPERATOR },
    );
    await s.settle();
    const after = s.gh.createIssue('acme/gadgets', { title: 'Crash in lexer', user: 'frank' });
    await s.settle();
    expect(s.gh.issue('acme/gadgets', after.number).labels).toEqual(['kind/bug']);
    expect(s.published().some((m) => m.repo === 'acme/gadgets' && m.issue === after.number)).toBe(true);

    // Someone without write access edits the config: ignored.
    s.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE_NUMBER, { body: configBody(BASE_CONFIG) }, { user: 'random-person' });
    await s.settle();
    const ignored = s.gh.createIssue('acme/gadgets', { title: 'Crash again', user: 'frank' });
    await s.settle();
    expect(s.gh.issue('acme/gadgets', ignored.number).labels).toEqual(['kind/bug']);

    // Broken YAML from the operator: the last good config stays, and the bot explains on the config issue.
    s.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE_NUMBER, { body: configBody('salt: [unclosed') }, { user: OPERATOR });
    await s.settle();
    const status = s.gh.botComments(CONFIG_REPO, CONFIG_ISSUE_NUMBER);
    expect(status).toHaveLength(1);
    const still = s.gh.createIssue('acme/gadgets', { title: 'Crash once more', user: 'frank' });
    await s.settle();
    expect(s.gh.issue('acme/gadgets', still.number).labels).toEqual(['kind/bug']);
  });
});

describe('end to end: forwarded share', () => {
  let s: E2EStack;
  beforeAll(async () => {
    s = await startE2EStack({ configYaml: `salt: ${SALT}\nrollout:\n  acme/share: 0.3\n`, workers: 0 });
    s.gh.createRepo('acme/share');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('forwards the share of 1,000 issues the ratio asks for (binomial tolerance), deterministically per issue', async () => {
    const N = 1000;
    const ratio = 0.3;
    // Issues exist in the stand-in; the handler is called directly (no auto-webhooks) to keep this fast.
    // The in-cohort ones are published and the handler stops there; the rest would be labeled by the universal
    // model, which is not what this test measures, so their payloads come from a repo whose config is irrelevant.
    const deliveries = [];
    for (let n = 1; n <= N; n++) {
      s.gh.createIssue('acme/share', { title: `Issue ${n}`, body: 'text', user: 'user', webhook: false });
      deliveries.push(s.gh.buildWebhook('issues', s.gh.issuesPayload('acme/share', n, 'opened')));
    }
    s.gh.faults.add({ kind: 'status', status: 404, route: 'graphql:LabelBotIssueState' }); // universal path ends at once
    for (let i = 0; i < deliveries.length; i += 25) {
      const batch = await Promise.all(deliveries.slice(i, i + 25).map((d) => s.invoke(d)));
      for (const res of batch) expect(res.status).toBe(200);
    }
    s.gh.faults.clear();

    const forwarded = new Set(
      s
        .published()
        .filter((m) => m.repo === 'acme/share' && !m.universal)
        .map((m) => m.issue),
    );
    const sd = Math.sqrt(N * ratio * (1 - ratio));
    expect(Math.abs(forwarded.size - N * ratio)).toBeLessThanOrEqual(4 * sd);
    // Exactly the issues the cohort function puts in, so redeliveries take the same path.
    for (let n = 1; n <= N; n++) expect(forwarded.has(n)).toBe(decideCohort(SALT, 'acme/share', n, ratio).inCohort);
  });
});
