import { describe, expect, it } from 'vitest';
import { chooseThreshold } from '../../src/ml/thresholds';

describe('Kubeflow threshold rule (highest recall with precision ≥ 0.7)', () => {
  it('picks the lowest cut that keeps precision ≥ 0.7, midway to the next score', () => {
    // Sorted by score: P P N P P N N P N N
    const scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
    const truth = [1, 1, 0, 1, 1, 0, 0, 1, 0, 0];
    // Cuts: top2 P=1; top4 3/4=.75; top5 4/5=.8 (recall 4/5); top8 5/8=.625 < .7 → best is top5.
    const t = chooseThreshold(scores, truth);
    expect(t).toBeCloseTo((0.7 + 0.6) / 2, 10);
    const predicted = scores.map((s) => s >= t!);
    expect(predicted.filter(Boolean).length).toBe(5);
  });

  it('returns null when no threshold reaches the precision target', () => {
    expect(chooseThreshold([0.9, 0.8, 0.7, 0.6], [0, 1, 0, 0])).toBeNull();
    expect(chooseThreshold([0.5, 0.4], [0, 0])).toBeNull();
  });

  it('never splits tied scores', () => {
    // Two rows tied at 0.9, one positive one negative: precision 0.5 at that cut → not allowed.
    expect(chooseThreshold([0.9, 0.9, 0.1], [1, 0, 0])).toBeNull();
  });

  it('does not depend on input order', () => {
    const s = [0.2, 0.95, 0.6, 0.85, 0.7];
    const y = [0, 1, 0, 1, 1];
    const perm = [4, 2, 0, 3, 1];
    expect(chooseThreshold(s, y)).toBe(
      chooseThreshold(
        perm.map((i) => s[i]!),
        perm.map((i) => y[i]!),
      ),
    );
  });
});
