import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvCell, csvLine, openRowWriter } from '../../src/ops/backfill-output';
import type { BackfillRow } from '../../src/ops/backfill';
import { assertResumable, CheckpointMismatchError, readCheckpoint, writeCheckpoint } from '../../src/ops/checkpoint';
import { createProgress } from '../../src/ops/progress';

function capture(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('progress on a non-TTY', () => {
  it('prints plain periodic lines and a final line, no terminal control codes', () => {
    const out = capture(false);
    const p = createProgress({ total: 7, label: 'backfill', stream: out.stream, every: 3 });
    for (let i = 1; i <= 7; i++) p.tick(`labeled ${i}`);
    p.stop();
    expect(out.text()).toBe('backfill: 3/7 (42%) labeled 3\nbackfill: 6/7 (85%) labeled 6\nbackfill: 7/7 (100%) labeled 7\n');
    expect(out.text()).not.toContain('\u001b[');
  });

  it('starts from the resumed count and prints a last line on stop when the run ends early', () => {
    const out = capture(false);
    const p = createProgress({ total: 100, start: 40, label: 'backfill', stream: out.stream, every: 50 });
    p.tick();
    p.stop();
    expect(out.text()).toBe('backfill: 41/100 (41%)\n');
  });

  it('uses a live bar on a TTY', () => {
    const out = capture(true);
    const p = createProgress({ total: 2, label: 'backfill', stream: out.stream });
    p.tick();
    p.tick();
    p.stop();
    expect(out.text()).toContain('2/2');
  });
});

describe('checkpoint file', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ops-cp-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('round-trips, is absent as null, and refuses another repo or selection', async () => {
    const path = join(dir, 'sub', 'cp.json');
    expect(await readCheckpoint(path)).toBeNull();
    const cp = { version: 1 as const, repo: 'o/r', selection: { state: 'open', since: null }, lastCompleted: 7, completed: 3, updatedAt: 'x' };
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

  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvLine(row)).toBe('12,open,label,labels,bug,bug:0.912,,needs triage,create,universal/v1,false,"\'=HYPERLINK(""x""), crash"');
  });

  it('writes CSV with a header and JSONL one object per line; refuses other extensions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ops-out-'));
    try {
      const csv = await openRowWriter(join(dir, 'a.csv'));
      await csv.write(row);
      await csv.close();
      const csvText = await readFile(join(dir, 'a.csv'), 'utf8');
      expect(csvText.split('\n')[0]).toBe('issue,state,action,reason,add,chosen,suppressed,labels_before,comment,model_version,applied,title');
      expect(csvText.split('\n')).toHaveLength(3);
      const jsonl = await openRowWriter(join(dir, 'a.jsonl'));
      await jsonl.write(row);
      await jsonl.write({ ...row, issue: 13 });
      await jsonl.close();
      const lines = (await readFile(join(dir, 'a.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as BackfillRow);
      expect(lines.map((l) => l.issue)).toEqual([12, 13]);
      await expect(openRowWriter(join(dir, 'a.txt'))).rejects.toThrow(/\.csv or \.jsonl/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
