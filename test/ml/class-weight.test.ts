import { describe, expect, it } from 'vitest';
import { gramMatrix, fitDual } from '../../src/ml/kernel-fit';
import type { SparseVector } from '../../src/ml/featurizer';
import type { LabeledIssue } from '../../src/ml/dataset';
import { trainModel } from '../../src/ml/train';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelDir } from '../../src/ml/model-io';
import { FAST, small, tempDir } from './helpers';

const vec = (pairs: [number, number][]): SparseVector => ({
  indices: Int32Array.from(pairs, (p) => p[0]),
  values: Float32Array.from(pairs, (p) => p[1]),
});

describe('class weighting', () => {
  it('row weights scale the loss: all weights 2 at λ equals no weights at λ/2', () => {
    const vs = [
      vec([[1, 1]]),
      vec([
        [1, 0.6],
        [2, 0.8],
      ]),
      vec([[2, 1]]),
      vec([[3, 1]]),
      vec([
        [2, 0.6],
        [3, 0.8],
      ]),
    ];
    const K = gramMatrix(vs);
    const y = { kind: 'single' as const, nClasses: 2, classOf: Int32Array.from([0, 0, 1, 1, 1]) };
    const a = fitDual(K, 5, y, 1e-2, {
      loss: 'sqhinge',
      rowWeights: new Float64Array(5).fill(2),
      tolerance: 1e-12,
      maxIterations: 500,
    });
    const b = fitDual(K, 5, y, 5e-3, { loss: 'sqhinge', tolerance: 1e-12, maxIterations: 500 });
    for (let i = 0; i < a.A.length; i++) expect(a.A[i]).toBeCloseTo(b.A[i]!, 5);
    for (let c = 0; c < 2; c++) expect(a.b[c]).toBeCloseTo(b.b[c]!, 5);
  });

  it("'balanced' raises a rare class's held-out recall on an imbalanced set", () => {
    // 30 "net" issues, 6 "io" issues; the io ones share most words with net ones, so an unweighted
    // model leans to the frequent class.
    const rows: LabeledIssue[] = [];
    for (let i = 0; i < 30; i++)
      rows.push({
        repo: 'o/r',
        title: `socket http request fails ${i}`,
        body: `connection error stream ${i % 7}`,
        labels: ['net'],
      });
    for (let i = 0; i < 6; i++)
      rows.push({
        repo: 'o/r',
        title: `file stream request fails ${i}`,
        body: `path error stream ${i % 7}`,
        labels: ['io'],
      });
    const opts = { ...FAST, lambdas: [1], titleScales: [1], minExamples: 2 };
    const none = trainModel(rows, { ...opts, classWeight: 'none' });
    const bal = trainModel(rows, { ...opts, classWeight: 'balanced' });
    const recall = (m: typeof none) => m.heldOut.metrics.perLabel['io']!.recall;
    expect(recall(bal)).toBeGreaterThan(recall(none));
  });

  it("'balanced' on an already balanced set gives exactly the unweighted model", () => {
    const a = trainModel(small(), { ...FAST, classWeight: 'none' });
    const b = trainModel(small(), { ...FAST, classWeight: 'balanced' });
    expect(Buffer.from(b.W.buffer).equals(Buffer.from(a.W.buffer))).toBe(true);
  });

  it('model.json records the class weighting it was trained with', () => {
    const t = tempDir();
    try {
      writeModelDir(t.dir, trainModel(small(), { ...FAST, classWeight: 'none' }), {
        name: 'm',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      expect(JSON.parse(readFileSync(join(t.dir, 'model.json'), 'utf8')).training.classWeight).toBe('none');
      writeModelDir(t.dir, trainModel(small(), FAST), { name: 'm', createdAt: '2026-01-01T00:00:00.000Z' });
      expect(JSON.parse(readFileSync(join(t.dir, 'model.json'), 'utf8')).training.classWeight).toBe('balanced');
    } finally {
      t.cleanup();
    }
  });
});
