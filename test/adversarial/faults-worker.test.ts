/**
 * 2. Faults on the forwarded route: stand-in webhook → Lambda → Pub/Sub fake → two real workers → stand-in, with a
 * dead-letter topic after 5 attempts. Faults come from the stand-ins (GitHub statuses, rate limits, latency; GCS
 * outage and corrupt models) and from Pub/Sub itself (redelivery, duplicates, poison). Every issue filed must end
 * labeled exactly once or recorded in the dead-letter topic; never lost, never labeled or commented twice.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Figures } from './figures';
import { RetryingOctokit } from './harness';
import { scanLogsIntoFigures } from './log-capture';
import { faultsFired, issueOutcome, type IssueOutcome } from './outcome';
import { BUCKET, startPipeline, type Pipeline } from './pipeline';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const figures = new Figures('faults-worker');
const secrets: string[] = [];
afterAll(() => {
  const leaks = scanLogsIntoFigures(figures, secrets);
  expect(leaks).toEqual([]);
});

const CONFIG = 'salt: adversarial\nrollout:\n  fwd/*: 1.0\n';

function score(p: Pipeline, repo: string, numbers: number[]): IssueOutcome[] {
  const outcomes = numbers.map((n) => issueOutcome(p.h.gh, repo, n, p.deadLettered));
  figures.add('issues_lost', outcomes.filter((o) => o === 'lost' || o === 'duplicated').length);
  return outcomes;
}

describe('worker route under GitHub, GCS and Pub/Sub faults (2 workers, dead-letter after 5 attempts)', () => {
  let p: Pipeline;
  let seq = 0;
  beforeAll(async () => {
    p = await startPipeline({
      configYaml: CONFIG,
      workers: 2,
      repoModels: ['fwd/corrupt'],
      Octokit: RetryingOctokit,
      pubsubOptions: { maxNackBackoffMs: 50 },
    });
  });
  afterAll(async () => {
    secrets.push(...p.h.secrets());
    await p.close();
  });

  /** Files `count` issues in a fresh repo, one at a time, each with its own injected fault, and waits for the end. */
  const run = async (count: number, inject: (repo: string, n: number) => void, repoName?: string) => {
    const repo = repoName ?? `fwd/case-${++seq}`;
    p.h.gh.createRepo(repo);
    const before = faultsFired(p.h.gh);
    for (let n = 1; n <= count; n++) {
      inject(repo, n);
      p.h.gh.createIssue(repo, { title: `App crash number ${n}`, body: 'It crashes on start', user: 'alice' });
      await p.settle();
      p.h.gh.faults.clear();
    }
    figures.add('faults_injected', faultsFired(p.h.gh) - before);
    figures.add('deliveries_tried', count);
    return {
      repo,
      outcomes: score(
        p,
        repo,
        Array.from({ length: count }, (_, i) => i + 1),
      ),
    };
  };

  const githubCases: [string, (repo: string, n: number) => void][] = [
    [
      'HTTP 500 twice on adding labels',
      (repo, n) =>
        p.h.gh.faults.add({
          kind: 'status',
          status: 500,
          method: 'POST',
          path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
          times: 2,
        }),
    ],
    [
      'HTTP 502 twice on the issue read',
      () => p.h.gh.faults.add({ kind: 'status', status: 502, route: 'graphql:LabelBotIssueState', times: 2 }),
    ],
    [
      'HTTP 502 twice on creating the comment (labels already applied, or in the same mutation)',
      (repo, n) => {
        p.h.gh.faults.add({
          kind: 'status',
          status: 502,
          route: 'graphql:LabelBotAddComment',
          issue: `${repo}#${n}`,
          times: 2,
        });
        p.h.gh.faults.add({
          kind: 'status',
          status: 502,
          route: 'graphql:LabelBotApplyDecision',
          issue: `${repo}#${n}`,
          times: 2,
        });
      },
    ],
    [
      'secondary rate limit (403 + retry-after) twice on adding labels',
      (repo, n) =>
        p.h.gh.faults.add({
          kind: 'secondary-rate-limit',
          retryAfterSeconds: 1,
          method: 'POST',
          path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
          times: 2,
        }),
    ],
    [
      'primary rate limit (403, x-ratelimit-remaining: 0) once on the issue read',
      () => p.h.gh.faults.add({ kind: 'rate-limit', route: 'graphql:LabelBotIssueState', times: 1 }),
    ],
  ];
  for (const [name, inject] of githubCases) {
    it(`${name}: nacked, redelivered, labeled exactly once`, async () => {
      const { repo, outcomes } = await run(2, inject);
      expect(outcomes).toEqual(['labeled', 'labeled']);
      expect(p.h.gh.issue(repo, 1).labels).toEqual(['bug']);
    });
  }

  it('GitHub failing on every attempt: the message is dead-lettered, not lost and not acked as done', async () => {
    const { outcomes } = await run(2, (repo, n) =>
      p.h.gh.faults.add({
        kind: 'status',
        status: 502,
        method: 'POST',
        path: new RegExp(`/repos/${repo}/issues/${n}/labels$`),
      }),
    );
    await p.h.pubsub!.waitFor(
      () => p.deadLettered.filter((d) => d.startsWith(`fwd/case-${seq}#`)).length === 2,
      10_000,
    );
    expect(score(p, `fwd/case-${seq}`, [1, 2])).toEqual(['dead-lettered', 'dead-lettered']);
    figures.add('issues_lost', -outcomes.filter((o) => o === 'lost').length); // counted again just above, after the DLQ caught up
  });

  it('GCS outage for the first attempts: nacked while it lasts, labeled once it ends', async () => {
    const { outcomes } = await run(2, () => {
      p.gcs.setOutage(true);
      figures.add('faults_injected');
      const failedBefore = p.gcs.requests.filter((r) => r.status === 503).length;
      const end = setInterval(() => {
        if (p.gcs.requests.filter((r) => r.status === 503).length >= failedBefore + 2) {
          p.gcs.setOutage(false);
          clearInterval(end);
        }
      }, 5);
    });
    expect(outcomes).toEqual(['labeled', 'labeled']);
  });

  it('GCS down for good: every message ends in the dead-letter topic', async () => {
    p.gcs.setOutage(true);
    try {
      const { outcomes } = await run(2, () => figures.add('faults_injected'));
      await p.h.pubsub!.waitFor(
        () => p.deadLettered.filter((d) => d.startsWith(`fwd/case-${seq}#`)).length === 2,
        10_000,
      );
      expect(score(p, `fwd/case-${seq}`, [1, 2])).toEqual(['dead-lettered', 'dead-lettered']);
      figures.add('issues_lost', -outcomes.filter((o) => o === 'lost').length);
    } finally {
      p.gcs.setOutage(false);
    }
  });

  it('a corrupt repo model (bad bytes, valid hashes): falls back to the universal model and labels once', async () => {
    const onnx = p.gcs.list(BUCKET, 'models/fwd/corrupt/').filter((n) => n.endsWith('model.onnx'));
    expect(onnx).toHaveLength(1);
    p.gcs.corruptStored(BUCKET, onnx[0]!);
    const { repo, outcomes } = await run(2, () => figures.add('faults_injected'), 'fwd/corrupt');
    expect(outcomes).toEqual(['labeled', 'labeled']);
    // The universal model's label, not the repo model's `kind/bug`.
    expect(p.h.gh.issue(repo, 1).labels).toEqual(['bug']);
  });

  it('downloads corrupted in transit (hash mismatch): never labels from damaged bytes, ends labeled or dead-lettered', async () => {
    p.gcs.corruptDownloads = true;
    try {
      const { repo, outcomes } = await run(2, () => figures.add('faults_injected'));
      await p.h
        .pubsub!.waitFor(
          () =>
            p.deadLettered.filter((d) => d.startsWith(`${repo}#`)).length +
              outcomes.filter((o) => o === 'labeled').length >=
            2,
          10_000,
        )
        .catch(() => undefined);
      expect(score(p, repo, [1, 2]).map((o) => (o === 'dead-lettered' ? 'labeled' : o))).toEqual([
        'labeled',
        'labeled',
      ]);
      figures.add('issues_lost', -outcomes.filter((o) => o === 'lost').length);
    } finally {
      p.gcs.corruptDownloads = false;
    }
  });

  it('fuzzed Pub/Sub messages (wrong types, missing fields, huge bodies, unknown repos): each is acked or dead-lettered, workers stay up', async () => {
    p.h.gh.createRepo('fwd/fuzz');
    p.h.gh.createIssue('fwd/fuzz', { title: 'App crash', body: 'crash', user: 'alice', webhook: false });
    const base = {
      v: 1,
      delivery_id: 'fuzz',
      event: 'issues',
      action: 'opened',
      installation_id: p.h.gh.installationId('fwd'),
      repo: { owner: 'fwd', name: 'fuzz', id: 1, private: false },
      issue: {
        number: 1,
        id: 1,
        node_id: 'I_1',
        title: 'App crash',
        body: 'crash',
        labels: [],
        author: 'alice',
        author_association: 'NONE',
        created_at: '2026-01-01T00:00:00Z',
      },
      forwarded_at: '2026-01-01T00:00:01Z',
      cohort: { ratio: 1, bucket: 0.1, mode: 'active' },
    };
    const paths = [
      'v',
      'installation_id',
      'repo',
      'repo.owner',
      'repo.name',
      'issue',
      'issue.number',
      'issue.body',
      'issue.title',
      'cohort',
      'cohort.mode',
      'cohort.ratio',
    ];
    const wrong = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer({ min: -5, max: 1e9 }),
      fc.string({ maxLength: 20 }),
      fc.constant('x'.repeat(70_000)),
      fc.constant({}),
      fc.constant([]),
    );
    const samples = fc.sample(fc.array(fc.tuple(fc.constantFrom(...paths), wrong), { minLength: 1, maxLength: 3 }), {
      seed: 20261122,
      numRuns: 30,
    });
    const acksBefore = p.h.pubsub!.acked(p.subscription).length;
    const dlqBefore = p.deadLettered.length;
    for (const [i, edits] of samples.entries()) {
      const msg = structuredClone(base) as Record<string, unknown>;
      for (const [path, value] of edits) {
        const keys = path.split('.');
        let target = msg;
        for (const k of keys.slice(0, -1))
          target = (target[k] && typeof target[k] === 'object' ? target[k] : (target[k] = {})) as Record<
            string,
            unknown
          >;
        if (value === undefined) delete target[keys.at(-1)!];
        else target[keys.at(-1)!] = value;
      }
      await p.h.topic!.publishMessage({ json: msg, attributes: { repo: 'fwd/fuzz', issue: String(1000 + i) } });
    }
    figures.add('bad_inputs_tried', samples.length);
    await p.settle();
    await p.h.pubsub!.waitFor(
      () => p.h.pubsub!.acked(p.subscription).length - acksBefore + p.deadLettered.length - dlqBefore >= samples.length,
      10_000,
    );
    expect(p.h.pubsub!.acked(p.subscription).length - acksBefore + p.deadLettered.length - dlqBefore).toBe(
      samples.length,
    );
    // Whatever the hints said, the live issue got at most one comment and each label once.
    expect(['labeled', 'lost']).toContain(issueOutcome(p.h.gh, 'fwd/fuzz', 1));
    for (const w of p.workers) expect((await w.ready()).ok).toBe(true);
  });

  it('a poison message (not JSON, wrong version) is dead-lettered after 5 attempts and never crashes a worker', async () => {
    const before = p.deadLettered.length;
    await p.h.topic!.publishMessage({ data: Buffer.from('{not json'), attributes: { repo: 'fwd/poison', issue: '1' } });
    await p.h.topic!.publishMessage({
      json: { v: 99, hello: 'world' },
      attributes: { repo: 'fwd/poison', issue: '2' },
    });
    figures.add('bad_inputs_tried', 2);
    await p.settle();
    await p.h.pubsub!.waitFor(() => p.deadLettered.filter((d) => d.startsWith('fwd/poison#')).length >= 2, 10_000);
    expect(
      p.deadLettered
        .slice(before)
        .filter((d) => d.startsWith('fwd/poison#'))
        .sort(),
    ).toEqual(['fwd/poison#1', 'fwd/poison#2']);
    for (const w of p.workers) expect((await w.ready()).ok).toBe(true);
  });
});

describe('Pub/Sub redelivery to two workers at once', () => {
  let p: Pipeline;
  beforeAll(async () => {
    // Ack deadlines scaled to 1/20 (10 s → 0.5 s): a slow GitHub makes the lease expire mid-message, so Pub/Sub
    // hands the same message to the other worker while the first is still working on it. One message per worker at
    // a time, so a second copy cannot queue behind the first in the same pod's per-issue lock.
    p = await startPipeline({ configYaml: CONFIG, workers: 2, concurrency: 1, pubsubOptions: { deadlineScale: 0.05 } });
    p.h.gh.createRepo('fwd/redelivery');
  });
  afterAll(async () => {
    secrets.push(...p.h.secrets());
    await p.close();
  });

  it('the lease expires mid-message (slow issue read): redelivered while still in flight, labeled and commented once', async () => {
    p.h.gh.faults.add({ kind: 'latency', latencyMs: 900, route: 'graphql:LabelBotIssueState', times: 1 });
    p.h.gh.createIssue('fwd/redelivery', { title: 'Crash on save', body: 'crash', user: 'alice' });
    await p.settle();
    await p.h.pubsub!.waitFor(() => p.results.length >= 2, 10_000);
    figures.add('faults_injected');
    figures.add('deliveries_tried', 2); // the original delivery and the redelivery after the lease ran out
    expect(p.h.pubsub!.expiries(p.subscription)).toBeGreaterThanOrEqual(1);
    expect(score(p, 'fwd/redelivery', [1])).toEqual(['labeled']);
    expect(p.h.gh.botComments('fwd/redelivery', 1)).toHaveLength(1);
  });
});

describe('the same issue on two workers at once (no lease expiry)', () => {
  let p: Pipeline;
  beforeAll(async () => {
    // One message per worker at a time and no message ordering (which would keep both copies on one pod), so the
    // second copy goes to the other pod: the fallback for a subscription created without ordering.
    p = await startPipeline({ configYaml: CONFIG, workers: 2, concurrency: 1, messageOrdering: false });
    p.h.gh.createRepo('fwd/race');
  });
  afterAll(async () => {
    secrets.push(...p.h.secrets());
    await p.close();
  });

  for (const count of [1, 2, 3, 10]) {
    it(`a forwarded issue delivered ${count}× (alternating instances, each copy published) is labeled and commented once, no writes after the first`, async () => {
      const issue = p.h.gh.createIssue('fwd/race', {
        title: `Crash number ${count}`,
        body: 'crash',
        user: 'bob',
        webhook: false,
      });
      const delivery = p.h.gh.buildWebhook('issues', p.h.gh.issuesPayload('fwd/race', issue.number, 'opened'));
      const publishedBefore = p.h.pubsub!.published(p.h.topic!.name).length;
      let afterFirst = -1;
      for (let i = 0; i < count; i++) {
        expect((await p.h.deliver({ ...delivery }, i % 2)).status).toBe(200);
        await p.settle();
        if (i === 0) afterFirst = p.h.writes('fwd/race', issue.number);
      }
      const writes = p.h.writes('fwd/race', issue.number);
      const comments = p.h.gh.botComments('fwd/race', issue.number).length;
      figures.add('deliveries_tried', count * 2); // each webhook copy and the Pub/Sub message it caused
      figures.add('duplicates_produced', writes - afterFirst + Math.max(0, comments - 1));
      expect(p.h.pubsub!.published(p.h.topic!.name).length - publishedBefore).toBe(count);
      expect(score(p, 'fwd/race', [issue.number])).toEqual(['labeled']);
      expect({ comments, writes }).toEqual({ comments: 1, writes: afterFirst });
    });
  }

  // Was a gap found by this suite: two pods racing on one issue left two comments. Fixed by the labeler's comment
  // mutation, whose payload lists the issue's comments after the write (the later racer deletes the younger one).
  it('the same issue published twice and processed by both workers at the same time leaves one comment', async () => {
    const issue = p.h.gh.createIssue('fwd/race', {
      title: 'Please add dark mode',
      body: 'please add',
      user: 'bob',
      webhook: false,
    });
    const delivery = p.h.gh.buildWebhook('issues', p.h.gh.issuesPayload('fwd/race', issue.number, 'opened'));
    // Slow label writes: both workers have read "no bot comment yet" before either can post one, so the two pods
    // race for real on every run (the stand-in sleeps before it answers, so a slow *read* would not do that).
    p.h.gh.faults.add({ kind: 'latency', latencyMs: 300, method: 'POST', path: /\/issues\/\d+\/labels$/, times: 2 });
    await Promise.all([p.h.deliver({ ...delivery }, 0), p.h.deliver({ ...delivery }, 1)]);
    await p.settle();
    const comments = p.h.gh.botComments('fwd/race', issue.number).length;
    figures.add('deliveries_tried', 2);
    figures.add('duplicates_produced', Math.max(0, comments - 1));
    expect(p.h.gh.issue('fwd/race', issue.number).labels).toEqual(['feature']);
    expect(comments).toBe(1);
  });
});
