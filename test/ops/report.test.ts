import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderReport } from '../../src/ops/report';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { SINCE } from './fixtures/feedback';
import { replayFeedback } from './fixtures/replay-feedback';
import { apiWrites, octokitFor, REPO } from './fixtures/stand-in-repo';

let standIn: GitHubStandIn;
let dir: string;

beforeAll(async () => {
  standIn = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  replayFeedback(standIn);
  standIn.counters.reset();
  dir = await mkdtemp(join(tmpdir(), 'ops-report-'));
});
afterAll(async () => {
  await standIn.close();
  await rm(dir, { recursive: true, force: true });
});

const SHADOW_LOG = [
  {
    time: '2026-02-02T00:00:00Z',
    repo: REPO,
    issue: 3,
    model_version: 'acme/widgets/v3',
    mode: 'shadow',
    labels: [{ label: 'question', score: 0.8 }],
  },
  {
    time: '2026-02-02T00:00:00Z',
    repo: REPO,
    issue: 5,
    model_version: 'acme/widgets/v3',
    mode: 'shadow',
    labels: [{ label: 'feature', score: 0.7 }],
  },
  {
    time: '2026-02-02T00:00:00Z',
    repo: REPO,
    issue: 1,
    model_version: 'acme/widgets/v3',
    mode: 'shadow',
    labels: [{ label: 'bug', score: 0.9 }],
  },
  {
    time: '2026-02-02T00:00:00Z',
    repo: REPO,
    issue: 99,
    model_version: 'acme/widgets/v3',
    mode: 'shadow',
    labels: [{ label: 'bug', score: 0.9 }],
  },
  {
    time: '2026-02-02T00:00:00Z',
    repo: 'acme/other',
    issue: 3,
    model_version: 'acme/other/v1',
    mode: 'shadow',
    labels: [],
  },
  { time: '2025-12-02T00:00:00Z', repo: REPO, issue: 3, model_version: 'acme/widgets/v2', mode: 'shadow', labels: [] },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

describe('report against the GitHub stand-in', () => {
  it('measures live precision from label events and comment reactions, with exact figures', async () => {
    const report = await buildReport(octokitFor(standIn), {
      owner: 'acme',
      repo: 'widgets',
      since: SINCE,
      botLogin: standIn.botLogin,
      outDir: dir,
      shadowLog: SHADOW_LOG,
    });
    // Same fixture as live-precision.test.ts, now read from GitHub: figures must match exactly.
    expect(report.overall).toEqual({
      applied: 5,
      kept: 2,
      removed: 2,
      removedByBot: 1,
      up: 2,
      down: 2,
      labelPrecision: 0.5,
      reactionPrecision: 0.5,
      combinedPrecision: 0.5,
    });
    expect(report.labels.map((l) => [l.label, l.applied, l.kept, l.removed, l.up, l.down])).toEqual([
      ['bug', 3, 2, 0, 2, 1],
      ['feature', 1, 0, 1, 0, 1],
      ['question', 1, 0, 1, 0, 0],
    ]);

    // one plot per label, rendered by vega (real SVG with the label in its title)
    expect((await readdir(dir)).sort()).toEqual([
      'precision-bug.svg',
      'precision-feature.svg',
      'precision-question.svg',
    ]);
    const svg = await readFile(join(dir, 'precision-bug.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('label-bot precision: bug');

    // shadow: #3 question ✓; #5 feature ✗ (human said bug); #1 untriaged (only the bot's label); #99 missing
    const [model, ...others] = report.shadow?.models ?? [];
    expect(others).toEqual([]); // other repo and lines before --since are left out
    expect(model).toMatchObject({
      modelVersion: 'acme/widgets/v3',
      issuesEvaluated: 2,
      issuesUntriaged: 1,
      issuesMissing: 1,
    });
    expect(model?.labels).toEqual([
      { label: 'bug', tp: 0, fp: 0, fn: 1, precision: null, recall: 0 },
      { label: 'feature', tp: 0, fp: 1, fn: 0, precision: 0, recall: null },
      { label: 'question', tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 },
    ]);

    // a report only reads
    expect(apiWrites(standIn)).toEqual([]);

    const text = renderReport(report);
    expect(text).toContain('bug');
    expect(text).toMatch(/\(all\)\s+5\s+2\s+2\s+0\.50\s+2\s+2\s+0\.50\s+0\.50/);
    expect(text).toContain('model acme/widgets/v3: 2 issues judged, 1 not yet labeled by a human, 1 missing');
  });

  it('without a bot login, any Bot account counts as the bot', async () => {
    const report = await buildReport(octokitFor(standIn), { owner: 'acme', repo: 'widgets', since: SINCE });
    // triage[bot] now counts as "the bot" too; it applied nothing, and its removal of #4 still judges nothing.
    expect(report.overall).toMatchObject({ applied: 5, kept: 2, removed: 2, removedByBot: 1 });
    expect(report.plots).toEqual([]);
    expect(report.shadow).toBeNull();
  });

  it('--settle-days measures only labels old enough to have been judged', async () => {
    const report = await buildReport(octokitFor(standIn), {
      owner: 'acme',
      repo: 'widgets',
      since: SINCE,
      botLogin: standIn.botLogin,
      settleDays: 7,
      now: () => new Date('2026-01-17T00:00:00Z'),
    });
    expect(report.settledBefore).toBe('2026-01-10T00:00:00.000Z');
    expect(report.overall).toMatchObject({ applied: 3, kept: 2, removed: 1 });
    expect(renderReport(report)).toContain('(labels applied after 2026-01-10T00:00:00.000Z left out to settle)');
  });
});
