import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runBackfill, type BackfillOptions } from '../../src/ops/backfill';
import { readCheckpoint } from '../../src/ops/checkpoint';
import { guardRateLimit } from '../../src/ops/rate-limit';
import { KeywordClassifier } from './fixtures/keyword-classifier';
import { apiWrites, octokitFor, REPO, useSeededStandIn } from './fixtures/stand-in-repo';

const LABELS_POST = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
const COMMENT_CREATE = 'POST graphql:LabelBotAddComment';
/** Labels and comment in one write, when the repo already has the labels. */
const APPLY = 'POST graphql:LabelBotApplyDecision';

const env = useSeededStandIn('ops-backfill-');

function quietStream() {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = false;
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { s, text: () => text };
}

function options(overrides: Partial<BackfillOptions> = {}): BackfillOptions {
  return {
    owner: 'acme',
    repo: 'widgets',
    state: 'all',
    dryRun: false,
    classifier: new KeywordClassifier(),
    source: 'universal',
    checkpointPath: join(env.dir, 'cp.json'),
    progressStream: quietStream().s,
    ...overrides,
  };
}

describe('backfill dry run', () => {
  it('writes nothing to GitHub and reports what it would do, with the repo config applied', async () => {
    const summary = await runBackfill(octokitFor(env.standIn), options({ dryRun: true }));
    expect(apiWrites(env.standIn)).toEqual([]);
    // nothing changed on the issues either
    expect(env.standIn.issue(REPO, 1).labels).toEqual([]);
    expect(env.standIn.issue(REPO, 1).comments).toEqual([]);

    expect(summary.rows.map((r) => [r.issue, r.action, r.add, r.comment])).toEqual([
      [1, 'label', ['bug'], 'create'],
      [2, 'label', ['enhancement'], 'create'], // label-alias from .github/issue_label_bot.yaml
      [3, 'label', ['question'], 'create'],
      [5, 'skip', [], 'none'], // a human removed `bug`: never re-added
      [6, 'label', ['bug'], 'create'],
      [7, 'not-confident', [], 'none'],
      [8, 'label', [], 'create'], // already has `bug`: only the comment
    ]);
    expect(summary).toMatchObject({ listed: 7, processed: 7, labeled: 4, labelsAdded: 4, resumedPast: 0 });
    expect(summary.rows.every((r) => !r.applied)).toBe(true);
  });

  it('never reads or writes a checkpoint', async () => {
    await runBackfill(octokitFor(env.standIn), options({ dryRun: true }));
    expect(await readCheckpoint(join(env.dir, 'cp.json'))).toBeNull();
  });

  it('--state open leaves closed issues out; --since leaves older issues out', async () => {
    const open = await runBackfill(octokitFor(env.standIn), options({ dryRun: true, state: 'open' }));
    expect(open.rows.map((r) => r.issue)).toEqual([1, 2, 3, 5, 7, 8]);
    const later = new Date(Date.now() + 60_000).toISOString();
    const none = await runBackfill(octokitFor(env.standIn), options({ dryRun: true, since: later }));
    expect(none.rows).toEqual([]);
  });
});

describe('backfill that acts', () => {
  it('labels through the shared labeler, then a second run writes nothing (idempotent)', async () => {
    const summary = await runBackfill(octokitFor(env.standIn), options({ checkpointPath: null }));
    expect(summary.labelsAdded).toBe(4);
    expect(env.standIn.issue(REPO, 2).labels).toEqual(['enhancement']);
    expect(env.standIn.issue(REPO, 5).labels).toEqual([]);
    expect(env.standIn.botComments(REPO, 1)).toHaveLength(1);
    env.standIn.counters.reset();
    const again = await runBackfill(octokitFor(env.standIn), options({ checkpointPath: null }));
    expect(again.labelsAdded).toBe(0);
    expect(apiWrites(env.standIn)).toEqual([]);
  });

  it('interrupted after 3 issues and resumed: each issue is labeled exactly once and done issues are not re-read', async () => {
    const crashing = new KeywordClassifier('test/keywords-v1', 4);
    await expect(runBackfill(octokitFor(env.standIn), options({ classifier: crashing }))).rejects.toThrow(
      'simulated crash',
    );
    const cp = await readCheckpoint(join(env.dir, 'cp.json'));
    expect(cp).toMatchObject({ repo: REPO, lastCompleted: 3, completed: 3 });
    expect(env.standIn.issue(REPO, 1).labels).toEqual(['bug']);
    expect(env.standIn.issue(REPO, 5).labels).toEqual([]); // the crash came before any write for #5
    const firstRunWrites = apiWrites(env.standIn);

    const progress = quietStream();
    const resumed = await runBackfill(octokitFor(env.standIn), options({ progressStream: progress.s }));
    expect(resumed).toMatchObject({ listed: 7, resumedPast: 3, processed: 4 });
    expect(resumed.rows.map((r) => r.issue)).toEqual([5, 6, 7, 8]);
    // the resumed run did not even read the issues the first run finished
    for (const n of [1, 2, 3])
      expect(env.standIn.counters.forIssue(REPO, n, 'POST graphql:LabelBotIssueState')).toBe(1);
    expect(progress.text()).toContain('backfill: 7/7 (100%)');

    const writes = [...firstRunWrites, ...apiWrites(env.standIn).slice(firstRunWrites.length)];
    const count = (endpoint: string, n: number) =>
      writes.filter((w) => w.endpoint === endpoint && w.issue === `${REPO}#${n}`).length;
    // Every labeled issue here is a first labeling with a comment: one write adds labels (and the comment with them).
    expect([1, 2, 3, 5, 6, 7, 8].map((n) => count(LABELS_POST, n) + count(APPLY, n))).toEqual([1, 1, 1, 0, 1, 0, 0]);
    expect([1, 2, 3, 5, 6, 7, 8].map((n) => count(COMMENT_CREATE, n) + count(APPLY, n))).toEqual([1, 1, 1, 0, 1, 0, 1]);
    expect(await readCheckpoint(join(env.dir, 'cp.json'))).toMatchObject({ lastCompleted: 8, completed: 7 });
  });

  it('a failure between the label write and the comment write is finished on resume without a second label write', async () => {
    env.standIn.faults.add({
      kind: 'status',
      status: 502,
      route: 'graphql:LabelBotAddComment',
      issue: `${REPO}#2`,
      times: 1,
    });
    await expect(runBackfill(octokitFor(env.standIn), options())).rejects.toMatchObject({ status: 502 });
    expect(env.standIn.issue(REPO, 2).labels).toEqual(['enhancement']);
    expect((await readCheckpoint(join(env.dir, 'cp.json')))?.lastCompleted).toBe(1);

    await runBackfill(octokitFor(env.standIn), options());
    expect(env.standIn.counters.forIssue(REPO, 2, LABELS_POST)).toBe(1);
    expect(env.standIn.botComments(REPO, 2)).toHaveLength(1);
  });

  it('refuses a checkpoint written for another selection', async () => {
    await runBackfill(octokitFor(env.standIn), options());
    await expect(runBackfill(octokitFor(env.standIn), options({ state: 'open' }))).rejects.toThrow(/--state all/);
  });

  it('waits out a secondary rate limit through the guard (injected sleep) and finishes', async () => {
    env.standIn.faults.add({
      kind: 'secondary-rate-limit',
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      times: 1,
      retryAfterSeconds: 42,
    });
    const octokit = octokitFor(env.standIn);
    const sleeps: number[] = [];
    guardRateLimit(octokit, { sleep: async (ms) => void sleeps.push(ms) });
    const summary = await runBackfill(octokit, options());
    expect(sleeps).toContain(42_000);
    expect(summary.labelsAdded).toBe(4);
    expect(env.standIn.counters.snapshot().byStatus['403']).toBe(1); // the limited attempt, then the retry succeeded
    expect(env.standIn.issue(REPO, 1).labels).toEqual(['bug']);
  });

  it('keeps private-repo titles out of its rows', async () => {
    env.standIn.createRepo('acme/secret', { private: true });
    env.standIn.createIssue('acme/secret', { title: 'Crash in the secret sauce', webhook: false });
    const summary = await runBackfill(octokitFor(env.standIn), options({ repo: 'secret', dryRun: true }));
    expect(summary.rows.map((r) => [r.issue, r.title, r.add])).toEqual([[1, '(private)', ['bug']]]);
  });

  it('streams rows to onRow as they finish', async () => {
    const seen: number[] = [];
    await runBackfill(octokitFor(env.standIn), options({ dryRun: true, onRow: (r) => void seen.push(r.issue) }));
    expect(seen).toEqual([1, 2, 3, 5, 6, 7, 8]);
    expect(await readFile(join(env.dir, 'cp.json')).catch(() => null)).toBeNull();
  });
});
