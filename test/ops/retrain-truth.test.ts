/** The truth rule of `label-bot retrain` (src/ops/retrain-truth.ts, docs/ops.md), on hand-written label timelines. */
import { describe, expect, it } from 'vitest';
import { botMatcher, type LabelEvent } from '../../src/ops/live-precision';
import { labelTruth, mapTruth } from '../../src/ops/retrain-truth';
import { truthRows } from '../../src/ops/retrain-repo';
import type { IssueFacts } from '../../src/ops/retrain-fetch';

const BOT = { login: 'label-bot[bot]', type: 'Bot' };
const STALE = { login: 'stale[bot]', type: 'Bot' };
const ALICE = { login: 'alice', type: 'User' };
const isBot = botMatcher('label-bot[bot]');
let clock = 0;
const ev = (kind: LabelEvent['kind'], label: string, actor: LabelEvent['actor']): LabelEvent => ({
  kind,
  label,
  actor,
  at: new Date(Date.UTC(2026, 0, 1) + ++clock * 60_000).toISOString(),
});

describe('labelTruth: the labels as humans left them', () => {
  it('a label a human applied, or one there before any event, is positive', () => {
    expect(labelTruth(['bug'], [ev('labeled', 'bug', ALICE)], isBot)).toEqual({
      positives: ['bug'],
      negatives: [],
      unconfirmed: [],
    });
    expect(labelTruth(['bug'], [], isBot).positives).toEqual(['bug']);
  });

  it('a bot label a human removed is a negative; the label the human added instead is positive', () => {
    const t = labelTruth(
      ['feature'],
      [ev('labeled', 'bug', BOT), ev('unlabeled', 'bug', ALICE), ev('labeled', 'feature', ALICE)],
      isBot,
    );
    expect(t).toEqual({ positives: ['feature'], negatives: ['bug'], unconfirmed: [] });
  });

  it('a bot label nobody touched is unconfirmed, never evidence (the model would learn its own output)', () => {
    expect(labelTruth(['bug'], [ev('labeled', 'bug', BOT)], isBot)).toEqual({
      positives: [],
      negatives: [],
      unconfirmed: ['bug'],
    });
    // Another bot's activity afterwards is no human review either.
    expect(
      labelTruth(['bug', 'stale'], [ev('labeled', 'bug', BOT), ev('labeled', 'stale', STALE)], isBot).unconfirmed,
    ).toEqual(['bug', 'stale']);
  });

  it('a bot label a human saw and left on (they edited the labels afterwards) is confirmed', () => {
    const t = labelTruth(
      ['bug', 'good first issue'],
      [ev('labeled', 'bug', BOT), ev('labeled', 'good first issue', ALICE)],
      isBot,
    );
    expect(t).toEqual({ positives: ['bug', 'good first issue'], negatives: [], unconfirmed: [] });
    // A human edit *before* the bot's label confirms nothing.
    expect(
      labelTruth(['bug', 'ui'], [ev('labeled', 'ui', ALICE), ev('labeled', 'bug', BOT)], isBot).unconfirmed,
    ).toEqual(['bug']);
  });

  it('removed then re-added by a human is positive again; a ghost (null) actor is not a human', () => {
    const t = labelTruth(
      ['bug'],
      [ev('labeled', 'bug', BOT), ev('unlabeled', 'bug', ALICE), ev('labeled', 'bug', ALICE)],
      isBot,
    );
    expect(t).toEqual({ positives: ['bug'], negatives: [], unconfirmed: [] });
    expect(labelTruth([], [ev('labeled', 'bug', BOT), ev('unlabeled', 'bug', null)], isBot).negatives).toEqual([]);
  });

  it('equal timestamps keep the API order', () => {
    const at = '2026-02-01T00:00:00Z';
    const t = labelTruth(
      ['bug', 'ui'],
      [
        { kind: 'labeled', label: 'bug', actor: BOT, at },
        { kind: 'labeled', label: 'ui', actor: ALICE, at },
      ],
      isBot,
    );
    expect(t.positives).toEqual(['bug', 'ui']);
  });
});

describe('mapTruth: onto the current model label set', () => {
  const labels = ['bug', 'feature', 'question'];
  it('keeps model labels (case-insensitively, in the model spelling) and says why an issue is left out', () => {
    expect(
      mapTruth({ positives: ['Bug', 'good first issue'], negatives: [], unconfirmed: [] }, labels, 'single').use,
    ).toEqual({
      labels: ['bug'],
    });
    expect(mapTruth({ positives: ['ui'], negatives: [], unconfirmed: ['bug'] }, labels, 'single').use).toEqual({
      skip: 'unconfirmed-only',
    });
    expect(mapTruth({ positives: [], negatives: ['bug'], unconfirmed: [] }, labels, 'single').use).toEqual({
      skip: 'negative-only',
    });
    expect(mapTruth({ positives: ['ui'], negatives: [], unconfirmed: [] }, labels, 'single').use).toEqual({
      skip: 'no-model-label',
    });
    expect(mapTruth({ positives: ['bug', 'feature'], negatives: [], unconfirmed: [] }, labels, 'single').use).toEqual({
      skip: 'several-labels',
    });
    expect(mapTruth({ positives: ['feature', 'bug'], negatives: [], unconfirmed: [] }, labels, 'multi').use).toEqual({
      labels: ['bug', 'feature'],
    });
  });
});

describe('truthRows: what retrain trains on, and what counts as new since the cut-off', () => {
  const facts = (number: number, created: string, labels: string[], events: LabelEvent[]): IssueFacts => ({
    number,
    title: `issue ${number}`,
    body: '',
    created_at: created,
    updated_at: created,
    labels,
    events,
  });
  it('counts rows created after the cut-off or corrected by a human after it', () => {
    const cutoff = '2026-03-01T00:00:00.000Z';
    const { rows, counts } = truthRows(
      [
        facts(1, '2026-01-01T00:00:00Z', ['bug'], []),
        facts(
          2,
          '2026-01-02T00:00:00Z',
          ['feature'],
          [
            { kind: 'labeled', label: 'bug', actor: BOT, at: '2026-01-02T00:00:01Z' },
            { kind: 'unlabeled', label: 'bug', actor: ALICE, at: '2026-03-05T00:00:00Z' },
            { kind: 'labeled', label: 'feature', actor: ALICE, at: '2026-03-05T00:00:01Z' },
          ],
        ),
        facts(
          3,
          '2026-03-02T00:00:00Z',
          ['question'],
          [{ kind: 'labeled', label: 'question', actor: BOT, at: '2026-03-02T00:00:01Z' }],
        ),
        facts(
          4,
          '2026-03-03T00:00:00Z',
          ['question'],
          [{ kind: 'labeled', label: 'question', actor: ALICE, at: '2026-03-03T00:00:01Z' }],
        ),
      ],
      'acme/widgets',
      { labels: ['bug', 'feature', 'question'], kind: 'single', cutoff },
      isBot,
    );
    expect(rows.map((r) => [r.title, r.labels])).toEqual([
      ['issue 1', ['bug']],
      ['issue 2', ['feature']],
      ['issue 4', ['question']],
    ]);
    expect(counts).toEqual({ issues: 4, rows: 3, newSinceCutoff: 2, skipped: { 'unconfirmed-only': 1 } });
  });
});
