/**
 * Feature counts → the featurizer's output SparseVector: sublinear tf (1 + ln tf), per-group L2 normalisation and
 * weights, a radix sort by index, merging of groups that share an index, and a final L2 normalisation.
 *
 * It works on keys `index * 8 + group` (see feature-counts.ts) and knows nothing of text, so the numeric recipe
 * that both the exported model and the trainer depend on sits in one place.
 */

export interface SparseVector {
  /** Strictly increasing feature indices in [1, dim). */
  indices: Int32Array;
  values: Float32Array;
}

/** Read-only view of a feature-count table: `n` entries at slots used[0…n), each a key (index * 8 + group) and a count. */
export interface GroupedCounts {
  readonly n: number;
  readonly used: Int32Array;
  readonly keys: Int32Array;
  readonly counts: Int32Array;
}

/** 1 + ln(tf) for the small counts nearly every feature has; the same doubles Math.log gives, without the call. */
const SUBLINEAR_TF = Float64Array.from({ length: 256 }, (_, c) => 1 + Math.log(c));

/** Sublinear tf, per-group L2 and weights (indexed by group id), merge groups sharing an index, sort by index, L2. */
export function weightedVector(s: GroupedCounts, groupWeight: readonly number[], dim: number): SparseVector {
  const n = s.n;
  const nGroups = groupWeight.length;
  const sq = new Float64Array(nGroups);
  const buf = sortBuffers(n);
  const keyList = buf.keysA;
  const tf = buf.valsA;
  for (let i = 0; i < n; i++) {
    const slot = s.used[i]!;
    const c = s.counts[slot]!;
    const t = c < SUBLINEAR_TF.length ? SUBLINEAR_TF[c]! : 1 + Math.log(c);
    tf[i] = t;
    const key = s.keys[slot]!;
    keyList[i] = key;
    sq[key & 7]! += t * t;
  }
  const scale = new Float64Array(nGroups);
  for (let g = 0; g < nGroups; g++) scale[g] = sq[g]! > 0 ? groupWeight[g]! / Math.sqrt(sq[g]!) : 0;
  for (let i = 0; i < n; i++) tf[i] = tf[i]! * scale[keyList[i]! & 7]!;
  return finishPairs(buf, n, dim);
}

/** One vector per group id in [0, nGroups): sublinear tf, unit-normalised, unweighted (empty when absent). */
export function groupVectors(s: GroupedCounts, nGroups: number): SparseVector[] {
  const out: SparseVector[] = [];
  for (let g = 0; g < nGroups; g++) {
    const keys: number[] = [];
    const counts = new Map<number, number>();
    for (let i = 0; i < s.n; i++) {
      const slot = s.used[i]!;
      const key = s.keys[slot]!;
      if ((key & 7) !== g) continue;
      keys.push(key >>> 3);
      counts.set(key >>> 3, s.counts[slot]!);
    }
    keys.sort((x, y) => x - y);
    const values = new Float32Array(keys.length);
    let sq = 0;
    keys.forEach((k, i) => {
      const t = 1 + Math.log(counts.get(k)!);
      values[i] = t;
      sq += t * t;
    });
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let i = 0; i < values.length; i++) values[i]! *= inv;
    out.push({ indices: Int32Array.from(keys), values });
  }
  return out;
}

/**
 * Reusable sort buffers. A profile showed TypedArray#sort plus a per-key binary search taking two thirds of
 * featurizing time; an LSD radix sort over (key, value) pairs does the same job in a few linear passes.
 */
interface SortBuffers {
  keysA: Int32Array;
  valsA: Float64Array;
  keysB: Int32Array;
  valsB: Float64Array;
  counts: Int32Array;
}

const RADIX_BITS = 7;
const RADIX = 1 << RADIX_BITS;
let sortBuf: SortBuffers = allocSortBuffers(1 << 12);

function allocSortBuffers(size: number): SortBuffers {
  return {
    keysA: new Int32Array(size),
    valsA: new Float64Array(size),
    keysB: new Int32Array(size),
    valsB: new Float64Array(size),
    counts: new Int32Array(RADIX),
  };
}

function sortBuffers(n: number): SortBuffers {
  if (sortBuf.keysA.length < n) {
    let size = sortBuf.keysA.length;
    while (size < n) size *= 2;
    sortBuf = allocSortBuffers(size);
  }
  return sortBuf;
}

/** Sorts (key, value) pairs by key (keys are unique and < dim * 8), merges groups sharing an index, L2-normalises. */
function finishPairs(buf: SortBuffers, n: number, dim: number): SparseVector {
  let keys = buf.keysA;
  let vals = buf.valsA;
  let keysOut = buf.keysB;
  let valsOut = buf.valsB;
  const counts = buf.counts;
  const keyBits = Math.ceil(Math.log2(dim)) + 3;
  for (let shift = 0; shift < keyBits; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & (RADIX - 1)]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const at = counts[(k >>> shift) & (RADIX - 1)]!++;
      keysOut[at] = k;
      valsOut[at] = vals[i]!;
    }
    [keys, keysOut] = [keysOut, keys];
    [vals, valsOut] = [valsOut, vals];
  }
  // Merge in place: keys are sorted by index, then group, so equal indices are adjacent.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const index = keys[i]! >>> 3;
    const v = vals[i]!;
    if (v === 0) continue;
    if (m > 0 && keysOut[m - 1] === index) valsOut[m - 1]! += v;
    else {
      keysOut[m] = index;
      valsOut[m] = v;
      m++;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i++) total += valsOut[i]! * valsOut[i]!;
  const norm = total > 0 ? 1 / Math.sqrt(total) : 0;
  const outVal = new Float32Array(m);
  for (let i = 0; i < m; i++) outVal[i] = valsOut[i]! * norm;
  return { indices: keysOut.slice(0, m), values: outVal };
}

/** Σ w·v over sparse vectors (zero weights skipped), sorted by index: one feature group mix, unnormalised. */
export function mergeScaled(parts: { v: SparseVector; w: number }[]): SparseVector {
  const m = new Map<number, number>();
  for (const { v, w } of parts) {
    if (w === 0) continue;
    for (let j = 0; j < v.indices.length; j++) m.set(v.indices[j]!, (m.get(v.indices[j]!) ?? 0) + w * v.values[j]!);
  }
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { indices: Int32Array.from(keys), values: Float32Array.from(keys, (k) => m.get(k)!) };
}
