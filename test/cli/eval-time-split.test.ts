/** `label-bot eval --train F --split time`: train on the older issues by creation time, score the newest. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabeledIssue } from '../../src/ml/dataset';
import { splitByTime, TimeSplitError } from '../../src/ml/time-split';
import { small, tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, oneJson } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The small fixture with one creation time per row: row i created on day i (file order is not time order). */
function dated(): string {
  const rows = small().map((r, i) => ({
    repo: r.repo,
    title: r.title,
    body: r.body,
    labels: r.labels,
    created_at: new Date(Date.UTC(2026, 0, 1 + ((i * 7) % 60))).toISOString(),
  }));
  const file = join(tmp.dir, 'dated.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('splitByTime', () => {
  const rows = (days: number[]): LabeledIssue[] =>
    days.map((d, i) => ({
      repo: 'o/r',
      title: `t${i}`,
      body: '',
      labels: ['bug'],
      createdAt: new Date(Date.UTC(2026, 0, d)).toISOString(),
    }));

  it('holds out the newest share by creation time, whatever the row order', () => {
    const s = splitByTime(rows([5, 1, 9, 3, 7, 2, 10, 4, 8, 6]), 0.2);
    expect(s.train.map((r) => r.createdAt!.slice(8, 10)).sort()).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
    ]);
    expect(s.test.map((r) => r.createdAt!.slice(8, 10))).toEqual(['09', '10']);
    expect(s.cutoff).toBe('2026-01-09T00:00:00.000Z');
  });

  it('keeps at least one row on each side', () => {
    expect(splitByTime(rows([1, 2, 3]), 0.01).test).toHaveLength(1);
    expect(splitByTime(rows([1, 2, 3]), 0.99).train).toHaveLength(1);
  });

  it('says which rows lack a creation time and where to get it', () => {
    const r = rows([1, 2, 3]);
    delete r[1]!.createdAt;
    expect(() => splitByTime(r, 0.2, 'x.jsonl')).toThrow(TimeSplitError);
    expect(() => splitByTime(r, 0.2, 'x.jsonl')).toThrow(
      /x\.jsonl: 1 of 3 rows have no "created_at".*fetch-issues writes it/,
    );
    expect(() => splitByTime(rows([1, 2]), 1)).toThrow(/between 0 and 1/);
  });
});

describe('label-bot eval --split time', () => {
  it('--json reports the split (cutoff, train and test rows) and scores only the newest rows', () => {
    const r = cli(['eval', '--train', dated(), '--split', 'time', '--test-share', '0.25', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    const j = oneJson(r.stdout);
    expect(j.mode).toBe('train-test');
    expect(j.n).toBe(15);
    expect(j.split).toEqual({
      by: 'time',
      testShare: 0.25,
      cutoff: '2026-02-15T00:00:00.000Z',
      trainRows: 45,
      testRows: 15,
    });
    expect(typeof j.score).toBe('number');
  });

  it('prints the split in the human report; the default share is 0.2', () => {
    const r = cli(['eval', '--train', dated(), '--split', 'time', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^time split: trained on 48 issues created before 2026-02-18T00:00:00.000Z, scored on the newest 12$/m,
    );
  });

  it('a file without created_at is a clear error (exit 1), as is a bad --test-share or a --test alongside', () => {
    const noDates = join(tmp.dir, 'plain.jsonl');
    writeFileSync(
      noDates,
      small()
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const r = cli(['eval', '--train', noDates, '--split', 'time', ...FAST_FLAGS]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/60 of 60 rows have no "created_at"/);
    expect(cli(['eval', '--train', noDates, '--split', 'time', '--test-share', '1.5']).stderr).toMatch(
      /--test-share.*between 0 and 1/,
    );
    expect(cli(['eval', '--train', noDates, '--split', 'time', '--test', noDates]).stderr).toMatch(
      /--split time cannot be combined with --test/,
    );
  });
});
