/**
 * 2. Faults on the frontend's own route (universal model in the Lambda), injected through the GitHub stand-in and
 * the Pub/Sub fake, with the production retry settings (one retry, short rate-limit waits; only the time unit is
 * scaled down). Every issue filed must end labeled exactly once, or, when a fault outlasts the one retry, handed to
 * the worker topic (model: universal), where Pub/Sub retries and dead-letters it: GitHub does not redeliver webhooks.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Figures } from './figures';
import { RetryingOctokit, startHarness, type Harness } from './harness';
import { scanLogsIntoFigures } from './log-capture';
import { faultsFired, issueOutcome } from './outcome';
import type { FaultRule } from '../support/github-stand-in';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const figures = new Figures('faults-frontend');
const ISSUES_PER_CASE = 3;
const secrets: string[] = [];

afterAll(() => {
  const leaks = scanLogsIntoFigures(figures, secrets);
  expect(leaks).toEqual([]);
});

describe('GitHub faults on the universal route (Lambda, one retry)', () => {
  let h: Harness;
  let repoSeq = 0;
  beforeAll(async () => {
    // Pub/Sub on (no rollout): the worker topic is where an issue GitHub keeps failing on is handed off.
    h = await startHarness({ configYaml: 'salt: adversarial\n', instances: 2, Octokit: RetryingOctokit, pubsub: true });
  });
  afterAll(async () => {
    secrets.push(...h.secrets());
    await h.close();
  });

  /** Files issues one at a time (each with its own fault), lets the handlers run, and scores each issue. */
  const fileWithFaults = async (inject: (repo: string, n: number) => void) => {
    const repo = `acme/uni-${++repoSeq}`;
    h.gh.createRepo(repo);
    const firedBefore = faultsFired(h.gh);
    const outcomes = [];
    for (let n = 1; n <= ISSUES_PER_CASE; n++) {
      inject(repo, n);
      h.gh.createIssue(repo, { title: `App crash number ${n}`, body: 'It crashes on start', user: 'alice' });
      await h.gh.idle();
      h.gh.faults.clear();
      outcomes.push(issueOutcome(h.gh, repo, n));
    }
    const fired = faultsFired(h.gh) - firedBefore;
    figures.add('faults_injected', fired);
    figures.add('issues_lost', outcomes.filter((o) => o !== 'labeled').length);
    figures.add('deliveries_tried', ISSUES_PER_CASE);
    figures.add('crashes', h.gh.webhooks.deliveries.filter((d) => (d.status ?? 0) >= 500 || d.error).length);
    return { repo, outcomes, fired };
  };

  // Once the repo has the label, the labels (and the comment) go in one mutation instead: the same fault is aimed at it
  // too, and whichever of the two the labeler sends is the one that fails.
  const alsoOneWrite = (repo: string, n: number, rule: Omit<FaultRule, 'route' | 'issue' | 'path' | 'method'>) =>
    h.gh.faults.add({ ...rule, route: 'graphql:LabelBotApplyDecision', issue: `${repo}#${n}` });
  const cases: [string, (repo: string, n: number) => void][] = [
    [
      'HTTP 500 on adding labels',
      (repo, n) => {
        h.gh.faults.add({
          kind: 'status',
          status: 500,
          method: 'POST',
          path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
          times: 1,
        });
        alsoOneWrite(repo, n, { kind: 'status', status: 500, times: 1 });
      },
    ],
    [
      'HTTP 502 on the issue read (GraphQL)',
      () => h.gh.faults.add({ kind: 'status', status: 502, route: 'graphql:LabelBotIssueState', times: 1 }),
    ],
    [
      'HTTP 502 on creating the comment',
      (repo, n) => {
        h.gh.faults.add({
          kind: 'status',
          status: 502,
          route: 'graphql:LabelBotAddComment',
          issue: `${repo}#${n}`,
          times: 1,
        });
        alsoOneWrite(repo, n, { kind: 'status', status: 502, times: 1 });
      },
    ],
    [
      'secondary rate limit (403 + retry-after: 1) on adding labels',
      (repo, n) => {
        h.gh.faults.add({
          kind: 'secondary-rate-limit',
          retryAfterSeconds: 1,
          method: 'POST',
          path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
          times: 1,
        });
        alsoOneWrite(repo, n, { kind: 'secondary-rate-limit', retryAfterSeconds: 1, times: 1 });
      },
    ],
    [
      'secondary rate limit on the issue read',
      () =>
        h.gh.faults.add({
          kind: 'secondary-rate-limit',
          retryAfterSeconds: 1,
          route: 'graphql:LabelBotIssueState',
          times: 1,
        }),
    ],
  ];
  for (const [name, inject] of cases) {
    it(`${name}: retried once, every issue labeled exactly once`, async () => {
      const { outcomes, fired } = await fileWithFaults(inject);
      expect(fired).toBe(ISSUES_PER_CASE);
      expect(outcomes).toEqual(Array(ISSUES_PER_CASE).fill('labeled'));
    });
  }

  it('a webhook answer is never a 5xx, whatever GitHub does', () => {
    expect(h.gh.webhooks.deliveries.length).toBeGreaterThan(0);
    expect(h.gh.webhooks.deliveries.filter((d) => d.status !== 200)).toEqual([]);
  });

  // Was a gap found by this suite: the frontend retried once, then logged and swallowed, and GitHub does not redeliver,
  // so an outage longer than one retry left a universal-route issue unlabeled. Fixed: the Lambda hands such an issue to the worker topic (model: universal), where Pub/Sub retries it with backoff
  // and dead-letters it after max attempts; "labeled, or handed to the worker topic" is the Lambda's part.
  it('a GitHub outage longer than one retry: the issue is handed to the worker topic (model: universal), once', async () => {
    // Every label write of the issue fails (REST or the one mutation) until fileWithFaults clears the faults: longer
    // than Octokit's one retry and the labeler's one re-read-and-retry.
    const { repo, outcomes } = await fileWithFaults((repo, n) => {
      h.gh.faults.add({
        kind: 'status',
        status: 502,
        method: 'POST',
        path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
      });
      alsoOneWrite(repo, n, { kind: 'status', status: 502 });
    });
    const handOffs = (n: number) =>
      h
        .pubsub!.published(h.topic!.name)
        .map(
          (m) =>
            JSON.parse(m.data.toString('utf8')) as {
              model?: string;
              repo: { owner: string; name: string };
              issue: { number: number };
            },
        )
        .filter((d) => d.model === 'universal' && `${d.repo.owner}/${d.repo.name}` === repo && d.issue.number === n)
        .length;
    const results = outcomes.map((o, i) => (o === 'labeled' ? 'labeled' : handOffs(i + 1) === 1 ? 'handed off' : o));
    // fileWithFaults counted every unlabeled issue as lost; an issue handed to the worker topic is not lost.
    figures.add(
      'issues_lost',
      results.filter((o) => o !== 'labeled' && o !== 'handed off').length -
        outcomes.filter((o) => o !== 'labeled').length,
    );
    expect(results).toEqual(Array(ISSUES_PER_CASE).fill('handed off'));
  });

  // Was a gap found by this suite: with no per-request timeout (undici waits 300 s for headers), one request that never
  // answered held the webhook past the Lambda's 9 s timeout and the issue stayed unlabeled. Fixed by
  // GITHUB_REQUEST_TIMEOUT_MS (src/github/request-timeout.ts), so the one retry labels it inside the window.
  it('a GitHub request that never answers: the webhook still answers within the Lambda timeout and the issue is labeled', async () => {
    const repo = 'acme/uni-hang';
    h.gh.createRepo(repo);
    h.gh.createIssue(repo, { title: 'App crash on start', body: 'crash', user: 'alice', webhook: false });
    h.gh.faults.add({ kind: 'hang', route: 'graphql:LabelBotIssueState', times: 1 });
    const delivery = h.gh.buildWebhook('issues', h.gh.issuesPayload(repo, 1, 'opened'));
    const LAMBDA_TIMEOUT_MS = 9_000;
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      h.deliver(delivery, 0),
      new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), LAMBDA_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    h.gh.faults.clear();
    const labeled = h.gh.issue(repo, 1).labels.length > 0;
    figures.add('faults_injected');
    figures.add('issues_lost', labeled ? 0 : 1);
    expect(answer).not.toBe('timed out');
    expect(labeled).toBe(true);
  });
});

describe('publish failures in the frontend fall back to universal labels', () => {
  let h: Harness;
  beforeAll(async () => {
    // Every issue of acme/fwd is in the rollout cohort, but the topic does not exist.
    h = await startHarness({
      configYaml: 'salt: adversarial\nrollout:\n  acme/fwd: 1.0\n',
      instances: 2,
      pubsub: true,
      env: { PUBSUB_TOPIC: 'projects/label-bot-adversarial/topics/does-not-exist', PUBLISH_TIMEOUT_MS: '1500' },
    });
    h.gh.createRepo('acme/fwd');
  });
  afterAll(async () => {
    secrets.push(...h.secrets());
    await h.close();
  });

  const fileTwo = async (first: number) => {
    const outcomes = [];
    for (let n = first; n < first + 2; n++) {
      h.gh.createIssue('acme/fwd', { title: 'App crash on start', body: 'crash', user: 'alice' });
      await h.gh.idle();
      outcomes.push(issueOutcome(h.gh, 'acme/fwd', n));
      figures.add('faults_injected');
      figures.add('deliveries_tried');
    }
    figures.add('issues_lost', outcomes.filter((o) => o !== 'labeled').length);
    return outcomes;
  };

  it('topic missing (NOT_FOUND): labeled by the universal model, once', async () => {
    expect(await fileTwo(1)).toEqual(['labeled', 'labeled']);
    expect(h.gh.issue('acme/fwd', 1).labels).toEqual(['bug']);
    expect(h.pubsub!.published('does-not-exist')).toEqual([]);
  });

  it('Pub/Sub unreachable (publish times out): labeled by the universal model, once', async () => {
    await h.pubsub!.stop();
    expect(await fileTwo(3)).toEqual(['labeled', 'labeled']);
    expect(h.gh.webhooks.deliveries.filter((d) => d.status !== 200)).toEqual([]);
  });
});
