/** model.json `training.cutoff`: the newest created_at trained on (retrain reads it); absent without dates; optional. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabeledIssue } from '../../src/ml/dataset';
import { parseModelJson } from '../../src/ml/model-format';
import { writeModelDir } from '../../src/ml/model-io';
import { trainingCutoff, trainModel } from '../../src/ml/train';
import { trainingCardMarkdown } from '../../src/ml/training-card';

const rows: LabeledIssue[] = Array.from({ length: 30 }, (_, i) => ({
  repo: 'acme/widgets',
  title: i % 2 ? `crash in module ${i}` : `please add option ${i}`,
  body: '',
  labels: [i % 2 ? 'bug' : 'feature'],
  // Out of order on purpose, and one without a date: the newest is row 7.
  ...(i === 3 ? {} : { createdAt: new Date(Date.UTC(2026, 0, 1 + ((i * 7) % 30))).toISOString() }),
}));
const FAST = { featurizer: { dim: 1024 }, lambdas: [1e-3], titleScales: [1], loss: 'sqhinge' as const };

describe('training.cutoff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutoff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the newest created_at among the rows; undefined when none has one', () => {
    expect(trainingCutoff(rows)).toBe('2026-01-30T00:00:00.000Z');
    expect(trainingCutoff([{ repo: '', title: 't', body: '', labels: ['a'] }])).toBeUndefined();
  });

  it('is written to model.json and the model card by training; absent without dates; older files still load', () => {
    const card = writeModelDir(join(dir, 'dated'), trainModel(rows, FAST), { name: 'acme/widgets' });
    expect(card.training.cutoff).toBe('2026-01-30T00:00:00.000Z');
    const md = trainingCardMarkdown(card, {
      dataFile: 'f.jsonl',
      fileSha256: '0'.repeat(64),
      repos: {},
      command: 'train',
    });
    expect(md).toContain('- Training cut-off (newest issue trained on, `training.cutoff`): 2026-01-30T00:00:00.000Z');

    const undated = rows.map(({ createdAt: _c, ...r }) => r);
    const plain = writeModelDir(join(dir, 'undated'), trainModel(undated, FAST), { name: 'acme/widgets' });
    expect('cutoff' in plain.training).toBe(false);

    const json = JSON.parse(readFileSync(join(dir, 'dated/model.json'), 'utf8')) as {
      training: Record<string, unknown>;
    };
    delete json.training.cutoff;
    expect(parseModelJson(json, 'old/model.json').training.cutoff).toBeUndefined();
  });
});
