import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRowWriter } from '../../src/ops/backfill-output';
import type { BackfillRow } from '../../src/ops/backfill';
import { assertResumable, CheckpointMismatchError, readCheckpoint, writeCheckpoint } from '../../src/ops/checkpoint';

describe('checkpoint file', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ops-cp-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('round-trips, is absent as null, and refuses another repo or selection', async () => {
    const path = join(dir, 'sub', 'cp.json');
    expect(await readCheckpoint(path)).toBeNull();
    const cp = {
      version: 1 as const,
      repo: 'o/r',
      selection: { state: 'open', since: null },
      lastCompleted: 7,
      completed: 3,
      updatedAt: 'x',
    };
    await writeCheckpoint(path, cp);
    expect(await readCheckpoint(path)).toEqual(cp);
    expect(() => assertResumable(cp, 'O/R', { state: 'open', since: null }, path)).not.toThrow();
    expect(() => assertResumable(cp, 'o/other', { state: 'open', since: null }, path)).toThrow(CheckpointMismatchError);
    expect(() => assertResumable(cp, 'o/r', { state: 'all', since: null }, path)).toThrow(/--state open/);
    await writeFile(path, '{"hello":1}');
    await expect(readCheckpoint(path)).rejects.toThrow(CheckpointMismatchError);
  });
});

describe('backfill output files', () => {
  const row: BackfillRow = {
    issue: 12,
    title: '=HYPERLINK("x"), crash',
    state: 'open',
    labelsBefore: ['needs triage'],
    action: 'label',
    reason: 'labels',
    chosen: [{ label: 'bug', score: 0.91234 }],
    add: ['bug'],
    suppressed: [],
    comment: 'create',
    modelVersion: 'universal/v1',
    applied: false,
  };

  it('quotes CSV cells and defuses spreadsheet formulas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ops-csv-'));
    try {
      const csv = await openRowWriter(join(dir, 'q.csv'));
      for (const title of ['plain', 'a,b', 'say "hi"']) await csv.write({ ...row, title });
      await csv.write(row);
      await csv.close();
      const lines = (await readFile(join(dir, 'q.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(lines.slice(0, 3).map((l) => l.slice(l.indexOf(',false,') + 7))).toEqual([
        'plain',
        '"a,b"',
        '"say ""hi"""',
      ]);
      expect(lines[3]).toBe(
        '12,open,label,labels,bug,bug:0.912,,needs triage,create,universal/v1,false,"\'=HYPERLINK(""x""), crash"',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes CSV with a header and JSONL one object per line; refuses other extensions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ops-out-'));
    try {
      const csv = await openRowWriter(join(dir, 'a.csv'));
      await csv.write(row);
      await csv.close();
      const csvText = await readFile(join(dir, 'a.csv'), 'utf8');
      expect(csvText.split('\n')[0]).toBe(
        'issue,state,action,reason,add,chosen,suppressed,labels_before,comment,model_version,applied,title',
      );
      expect(csvText.split('\n')).toHaveLength(3);
      const jsonl = await openRowWriter(join(dir, 'a.jsonl'));
      await jsonl.write(row);
      await jsonl.write({ ...row, issue: 13 });
      await jsonl.close();
      const lines = (await readFile(join(dir, 'a.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as BackfillRow);
      expect(lines.map((l) => l.issue)).toEqual([12, 13]);
      await expect(openRowWriter(join(dir, 'a.txt'))).rejects.toThrow(/\.csv or \.jsonl/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
