import { describe, expect, it } from 'vitest';
import { compareShadow, parseShadowLog } from '../../src/ops/shadow-compare';

/** The shapes the worker's log line can reach us in: pino JSON, a Cloud Logging export, and noise. */
const LOG = [
  // labelIssue's own log line in shadow mode (labels as {label, score})
  JSON.stringify({
    level: 30,
    time: '2026-02-01T10:00:00.000Z',
    repo: 'acme/widgets',
    issue: 1,
    model_version: 'acme/widgets/v2',
    mode: 'shadow',
    decision: 'label',
    labels: [{ label: 'bug', score: 0.9 }],
    msg: 'shadow decision (no writes)',
  }),
  // Cloud Logging export wraps the payload
  JSON.stringify({
    timestamp: '2026-02-01T10:01:00Z',
    severity: 'INFO',
    jsonPayload: {
      repo: 'acme/widgets',
      issue: '2',
      model_version: 'acme/widgets/v2',
      mode: 'shadow',
      labels: ['feature'],
    },
  }),
  JSON.stringify({
    time: '2026-02-01T10:02:00Z',
    repo: 'Acme/Widgets',
    issue: 3,
    modelVersion: 'acme/widgets/v2',
    mode: 'shadow',
    predictedLabels: ['bug', 'question'],
  }),
  JSON.stringify({
    time: '2026-02-01T10:03:00Z',
    repo: 'acme/widgets',
    issue: 4,
    model_version: 'acme/widgets/v2',
    mode: 'shadow',
    labels: [],
  }),
  // issue 5: no human label yet → untriaged
  JSON.stringify({
    time: '2026-02-01T10:04:00Z',
    repo: 'acme/widgets',
    issue: 5,
    model_version: 'acme/widgets/v2',
    mode: 'shadow',
    labels: ['bug'],
  }),
  // issue 6: gone from GitHub → missing
  JSON.stringify({
    time: '2026-02-01T10:05:00Z',
    repo: 'acme/widgets',
    issue: 6,
    model_version: 'acme/widgets/v2',
    mode: 'shadow',
    labels: ['bug'],
  }),
  // a re-delivery of issue 1 later, same model: the latest line wins (same content here, so no double count)
  JSON.stringify({
    time: '2026-02-01T11:00:00.000Z',
    repo: 'acme/widgets',
    issue: 1,
    model_version: 'acme/widgets/v2',
    mode: 'shadow',
    labels: [{ label: 'bug', score: 0.91 }],
  }),
  // an older model version on issue 2
  JSON.stringify({
    time: '2026-01-20T00:00:00Z',
    repo: 'acme/widgets',
    issue: 2,
    model_version: 'acme/widgets/v1',
    mode: 'shadow',
    labels: ['bug'],
  }),
  // an act-mode line is not a shadow prediction
  JSON.stringify({
    time: '2026-02-01T10:00:00Z',
    repo: 'acme/widgets',
    issue: 9,
    model_version: 'acme/widgets/v2',
    mode: 'act',
    labels: ['bug'],
  }),
  'not json',
  JSON.stringify({ msg: 'worker started' }),
  '',
].join('\n');

describe('shadow log parsing', () => {
  it('accepts pino lines and Cloud Logging exports, skipping everything else with its line number', () => {
    const parsed = parseShadowLog(LOG);
    expect(parsed.predictions).toHaveLength(8);
    expect(parsed.skippedLines).toEqual([9, 10, 11]);
    expect(parsed.predictions[0]).toEqual({
      repo: 'acme/widgets',
      issue: 1,
      labels: ['bug'],
      modelVersion: 'acme/widgets/v2',
      at: '2026-02-01T10:00:00.000Z',
    });
    expect(parsed.predictions[1]).toMatchObject({ issue: 2, labels: ['feature'], at: '2026-02-01T10:01:00Z' });
    expect(parsed.predictions[2]).toMatchObject({ repo: 'acme/widgets', labels: ['bug', 'question'] });
  });
});

describe('shadow comparison', () => {
  // Human labels: #1 bug, #2 feature+ui, #3 bug, #4 question, #5 none yet; #6 absent.
  const human = new Map<number, string[]>([
    [1, ['bug']],
    [2, ['feature', 'ui']],
    [3, ['bug']],
    [4, ['question']],
    [5, []],
  ]);

  it('scores each model version separately with exact precision and recall', () => {
    const [v1, v2] = compareShadow(parseShadowLog(LOG).predictions, human);
    expect(v2?.modelVersion).toBe('acme/widgets/v2');
    expect(v2).toMatchObject({ issuesEvaluated: 4, issuesUntriaged: 1, issuesMissing: 1 });
    // predicted: #1 bug ✓, #2 feature ✓, #3 bug ✓ + question ✗, #4 nothing (question missed)
    expect(v2?.labels).toEqual([
      { label: 'bug', tp: 2, fp: 0, fn: 0, precision: 1, recall: 1 },
      { label: 'feature', tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 },
      { label: 'question', tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 },
    ]);
    expect(v1).toMatchObject({ modelVersion: 'acme/widgets/v1', issuesEvaluated: 1 });
    expect(v1?.labels).toEqual([{ label: 'bug', tp: 0, fp: 1, fn: 0, precision: 0, recall: null }]);
  });

  it('scores extra labels the model never predicted (recall 0 when humans used them)', () => {
    const [, v2] = compareShadow(parseShadowLog(LOG).predictions, human, ['ui']);
    expect(v2?.labels.find((l) => l.label === 'ui')).toEqual({
      label: 'ui',
      tp: 0,
      fp: 0,
      fn: 1,
      precision: null,
      recall: 0,
    });
  });
});

describe('shadow log as printed by `gcloud logging read --format=json`', () => {
  it('accepts a JSON array of Cloud Logging entries', () => {
    const entries = [
      {
        timestamp: '2026-02-01T10:01:00Z',
        jsonPayload: {
          repo: 'acme/widgets',
          issue: 2,
          model_version: 'v2',
          mode: 'shadow',
          labels: [{ label: 'bug', score: 0.8 }],
        },
      },
      { timestamp: '2026-02-01T10:02:00Z', jsonPayload: { msg: 'worker started' } },
    ];
    const parsed = parseShadowLog(`  ${JSON.stringify(entries, null, 2)}`);
    expect(parsed.predictions).toEqual([
      { repo: 'acme/widgets', issue: 2, labels: ['bug'], modelVersion: 'v2', at: '2026-02-01T10:01:00Z' },
    ]);
    expect(parsed.skippedLines).toEqual([2]);
  });
});

describe('shadow comparison with labels the bot applied and nobody removed', () => {
  it('does not score those (issue, label) pairs: an unreviewed bot label is neither right nor wrong', () => {
    const preds = [
      { repo: 'a/b', issue: 1, labels: ['bug'], modelVersion: 'v' },
      { repo: 'a/b', issue: 2, labels: ['question'], modelVersion: 'v' },
    ];
    // #1: universal bot put `bug` there, a human added `ui`; #2: bot `bug` kept, human `feature`.
    const truth = new Map([
      [1, { human: ['ui'], botKept: ['bug'] }],
      [2, { human: ['feature'], botKept: ['bug'] }],
    ]);
    const [v] = compareShadow(preds, truth, ['feature']);
    expect(v?.labels).toEqual([
      { label: 'bug', tp: 0, fp: 0, fn: 0, precision: null, recall: null },
      { label: 'feature', tp: 0, fp: 0, fn: 1, precision: null, recall: 0 },
      { label: 'question', tp: 0, fp: 1, fn: 0, precision: 0, recall: null },
    ]);
  });
});
