import { describe, expect, it } from 'vitest';
import {
  botMatcher,
  figures,
  humanAppliedLabels,
  labelOutcomes,
  precisionByLabel,
  weekStart,
  weeklyPrecision,
} from '../../src/ops/live-precision';
import { ALICE, BOT, FEEDBACK_FIXTURE, OTHER_BOT, SINCE } from './fixtures/feedback';

const isBot = botMatcher('label-bot[bot]');

describe('live precision from human feedback', () => {
  const outcomes = labelOutcomes(FEEDBACK_FIXTURE, isBot, `${SINCE}T00:00:00Z`);

  it('classifies each bot-applied label once: kept, removed by a human, removed by another bot', () => {
    expect(outcomes.map((o) => [o.issue, o.label, o.outcome])).toEqual([
      [1, 'bug', 'kept'],
      [2, 'bug', 'kept'],
      [2, 'feature', 'removed'],
      [3, 'question', 'removed'],
      [4, 'bug', 'removed-by-bot'],
    ]);
  });

  it('gives exact per-label figures', () => {
    const byLabel = Object.fromEntries(precisionByLabel(outcomes).map((l) => [l.label, l]));
    expect(byLabel.bug).toMatchObject({ applied: 3, kept: 2, removed: 0, removedByBot: 1, up: 2, down: 1 });
    expect(byLabel.bug?.labelPrecision).toBe(1);
    expect(byLabel.bug?.reactionPrecision).toBeCloseTo(2 / 3, 10);
    expect(byLabel.bug?.combinedPrecision).toBeCloseTo(4 / 5, 10);
    expect(byLabel.feature).toMatchObject({ applied: 1, kept: 0, removed: 1, up: 0, down: 1 });
    expect(byLabel.feature).toMatchObject({ labelPrecision: 0, reactionPrecision: 0, combinedPrecision: 0 });
    expect(byLabel.question).toMatchObject({ applied: 1, removed: 1, labelPrecision: 0, reactionPrecision: null });
    expect(precisionByLabel(outcomes).map((l) => l.label)).toEqual(['bug', 'feature', 'question']);
  });

  it('pools all labels into an overall figure (a comment reaction counts for each label on its issue)', () => {
    expect(figures(outcomes)).toEqual({
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
  });

  it('--settle-days leaves out applications too recent to judge', () => {
    const settled = labelOutcomes(FEEDBACK_FIXTURE, isBot, `${SINCE}T00:00:00Z`, '2026-01-10T00:00:00Z');
    expect(settled.map((o) => [o.issue, o.label])).toEqual([
      [1, 'bug'],
      [2, 'bug'],
      [2, 'feature'],
    ]);
  });

  it('without --since counts the older application too', () => {
    expect(labelOutcomes(FEEDBACK_FIXTURE, isBot)).toHaveLength(6);
  });

  it('without a bot login every Bot account counts as the bot, so its removals are not human judgements', () => {
    const anyBot = botMatcher();
    expect(anyBot(OTHER_BOT)).toBe(true);
    expect(anyBot(ALICE)).toBe(false);
    expect(isBot(OTHER_BOT)).toBe(false);
    expect(labelOutcomes(FEEDBACK_FIXTURE, anyBot, SINCE).find((o) => o.issue === 4)?.outcome).toBe('removed-by-bot');
  });

  it('groups by the Monday (UTC) of the week the label was applied', () => {
    expect(weekStart('2026-01-05T00:00:00Z')).toBe('2026-01-05');
    expect(weekStart('2026-01-11T23:59:59Z')).toBe('2026-01-05');
    expect(weekStart('2026-01-14T10:00:00Z')).toBe('2026-01-12');
    const weekly = weeklyPrecision(outcomes).map((w) => [w.label, w.week, w.kept, w.removed, w.labelPrecision]);
    expect(weekly).toEqual([
      ['bug', '2026-01-05', 2, 0, 1],
      ['bug', '2026-01-12', 0, 0, null],
      ['feature', '2026-01-05', 0, 1, 0],
      ['question', '2026-01-12', 0, 1, 0],
    ]);
  });

  it('human-applied labels are the current labels minus those whose latest application was a bot', () => {
    const events = [
      { kind: 'labeled' as const, label: 'bug', at: '2026-01-01T00:00:00Z', actor: BOT },
      { kind: 'labeled' as const, label: 'ui', at: '2026-01-01T00:00:00Z', actor: ALICE },
      { kind: 'labeled' as const, label: 'lint', at: '2026-01-01T00:00:00Z', actor: OTHER_BOT },
      { kind: 'unlabeled' as const, label: 'question', at: '2026-01-02T00:00:00Z', actor: ALICE },
      { kind: 'labeled' as const, label: 'question', at: '2026-01-01T00:00:00Z', actor: BOT },
      { kind: 'labeled' as const, label: 'question', at: '2026-01-03T00:00:00Z', actor: ALICE },
    ];
    expect(humanAppliedLabels(['bug', 'ui', 'lint', 'question', 'old'], events, isBot)).toEqual([
      'ui',
      'question',
      'old',
    ]);
  });
});
