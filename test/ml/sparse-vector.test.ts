import { describe, expect, it } from 'vitest';
import { groupVectors, weightedVector, type GroupedCounts } from '../../src/ml/sparse-vector';

/** A count table from (index, group, count) triples, in insertion order. */
function table(entries: [number, number, number][]): GroupedCounts {
  return {
    n: entries.length,
    used: Int32Array.from(entries, (_, i) => i),
    keys: Int32Array.from(entries, ([index, group]) => index * 8 + group),
    counts: Int32Array.from(entries, ([, , c]) => c),
  };
}

describe('sparse vector from feature counts', () => {
  // Index 5 appears in groups 0 and 1 (merged); index 2 only in group 1; index 9 only in group 2 (weight 0: dropped).
  const counts = table([
    [5, 0, 1],
    [9, 2, 3],
    [2, 1, 1],
    [5, 1, 2],
  ]);

  it('weights each group after its own L2, merges groups sharing an index, sorts, and L2-normalises', () => {
    const v = weightedVector(counts, [1, 2, 0], 16);
    expect(Array.from(v.indices)).toEqual([2, 5]);
    // group 0: {5: 1} → 1; group 1: {2: 1, 5: 1 + ln 2} → unit norm, ×2.
    const t = 1 + Math.log(2);
    const g1 = 2 / Math.sqrt(1 + t * t);
    const raw = [g1, 1 + g1 * t];
    const norm = Math.hypot(...raw);
    expect(v.values[0]).toBeCloseTo(raw[0]! / norm, 6);
    expect(v.values[1]).toBeCloseTo(raw[1]! / norm, 6);
  });

  it('splits by group, each unit-normalised and unweighted', () => {
    const groups = groupVectors(counts, 4);
    expect(groups.map((g) => Array.from(g.indices))).toEqual([[5], [2, 5], [9], []]);
    expect(groups[2]!.values[0]).toBeCloseTo(1, 6);
    expect(Math.hypot(...groups[1]!.values)).toBeCloseTo(1, 6);
  });
});
