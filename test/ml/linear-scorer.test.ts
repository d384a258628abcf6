import { describe, expect, it } from 'vitest';
import { scoreVector } from '../../src/ml/linear-scorer';
import { ReferenceScorer } from '../../src/ml/reference-scorer';
import { DEFAULT_FEATURIZER_SETTINGS } from '../../src/ml/featurizer-settings';
import type { SparseVector } from '../../src/ml/sparse-vector';

// dim 16, 2 labels: W row-major [16 × 2]; the vector touches rows 3 and 7.
const W = new Float32Array(32);
W[3 * 2] = 2;
W[3 * 2 + 1] = -1;
W[7 * 2 + 1] = 4;
const b = new Float32Array([0.5, -0.25]);
const v: SparseVector = { indices: Int32Array.from([3, 7]), values: Float32Array.from([0.5, 0.25]) };
// z = b + 0.5·W[3] + 0.25·W[7] = [0.5 + 1, -0.25 - 0.5 + 1] = [1.5, 0.25]
const z = [1.5, 0.25];

describe('linear scorer', () => {
  it('single-label: softmax of b + Σ x_j·W[index_j]', () => {
    const s = scoreVector({ kind: 'single', labels: ['a', 'c'], W, b }, v);
    const e = z.map(Math.exp);
    expect(s[0]).toBeCloseTo(e[0]! / (e[0]! + e[1]!), 12);
    expect(s[0]! + s[1]!).toBeCloseTo(1, 12);
  });

  it('multi-label: per-label sigmoid', () => {
    const s = scoreVector({ kind: 'multi', labels: ['a', 'c'], W, b }, v);
    expect(Array.from(s)).toEqual(z.map((x) => 1 / (1 + Math.exp(-x))));
  });

  it('the reference scorer scores through it, bit for bit', () => {
    for (const kind of ['single', 'multi'] as const) {
      const card = {
        kind,
        labels: ['a', 'c'],
        thresholds: [0.5, 0.5],
        featurizer: { ...DEFAULT_FEATURIZER_SETTINGS, dim: 16 },
      };
      expect(Array.from(new ReferenceScorer(card, W, b).scoreVector(v))).toEqual(
        Array.from(scoreVector({ kind, labels: card.labels, W, b }, v)),
      );
    }
  });
});
