import { describe, expect, it } from 'vitest';
import { fitDual, gramMatrix } from '../../src/ml/kernel-fit';
import { buildModelCard } from '../../src/ml/model-io';
import { parseModelJson } from '../../src/ml/model-format';
import { fitNbPath, nbOptions, nbRatios } from '../../src/ml/nb-scaling';
import type { Targets } from '../../src/ml/linear';
import type { SparseVector } from '../../src/ml/sparse-vector';
import { trainModel } from '../../src/ml/train';
import { FAST, threeRepos } from './helpers';

const vec = (entries: [number, number][]): SparseVector => ({
  indices: Int32Array.from(entries, (e) => e[0]),
  values: Float32Array.from(entries, (e) => e[1]),
});

// Four documents over features 1…4 (dim 8): class 0 = docs 0, 1; class 1 = docs 2, 3.
const docs = [
  vec([
    [1, 1],
    [2, 0.5],
  ]),
  vec([
    [1, 2],
    [3, 1],
  ]),
  vec([
    [3, 1],
    [4, 2],
  ]),
  vec([[4, 1]]),
];
const y: Targets = { kind: 'single', nClasses: 2, classOf: Int32Array.from([0, 0, 1, 1]) };

describe('NB log-count ratios', () => {
  it('r_cj = log((α+p_j)/‖α+p‖₁) − log((α+q_j)/‖α+q‖₁) over the seen features, by hand', () => {
    const { r, seen } = nbRatios(docs, [0, 1, 2, 3], y, 0, 1, 8);
    // Class 0: p = (f1 3, f2 0.5, f3 1, f4 0), Σp 4.5; q = (0, 0, 1, 3), Σq 4; vocabulary 4 features.
    const nP = 4 + 4.5;
    const nQ = 4 + 4;
    const want = [
      0,
      Math.log(4 / nP) - Math.log(1 / nQ),
      Math.log(1.5 / nP) - Math.log(1 / nQ),
      Math.log(2 / nP) - Math.log(2 / nQ),
      Math.log(1 / nP) - Math.log(4 / nQ),
    ];
    for (let j = 0; j <= 4; j++) expect(r[j]).toBeCloseTo(want[j]!, 12);
    expect(Array.from(seen)).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(r.subarray(5))).toEqual([0, 0, 0]);
    // The other class's ratios: same formula with p and q swapped (the vocabulary and norms are symmetric here).
    const other = nbRatios(docs, [0, 1, 2, 3], y, 1, 1, 8).r;
    expect(other[1]).toBeCloseTo(Math.log(1 / nQ) - Math.log(4 / nP), 12);
  });

  it('uses only the documents of the fit (a held-out document changes nothing)', () => {
    const sub = nbRatios(
      docs,
      [0, 2, 3],
      { kind: 'single', nClasses: 2, classOf: Int32Array.from([0, 1, 1]) },
      0,
      0.5,
      8,
    );
    // Class 0 = doc 0 only: p = (1, 0.5, 0, 0), Σ 1.5; q = (0, 0, 1, 3), Σ 4; the vocabulary is still f1…f4.
    expect(sub.r[2]).toBeCloseTo(Math.log(1 / (2 + 1.5)) - Math.log(0.5 / (2 + 4)), 12);
    expect(() => nbRatios(docs, [0], y, 0, 0, 8)).toThrow(/α/);
  });
});

describe('NB-scaled fit', () => {
  it('folds the ratios into the weights: scoring x with W equals scoring x∘r with the scaled-space model', () => {
    const [m] = fitNbPath(docs, [0, 1, 2, 3], y, { lambdas: [1e-2], loss: 'sqhinge', alpha: 1, dim: 8, noBias: true });
    // The same class-0 model fitted by hand on x∘r (its own Gram matrix, one-vs-rest targets), scored on x∘r.
    const r0 = nbRatios(docs, [0, 1, 2, 3], y, 0, 1, 8).r;
    const xs = docs.map((d) => vec(Array.from(d.indices, (j, k) => [j, d.values[k]! * r0[j]!] as [number, number])));
    const yc: Targets = { kind: 'multi', nClasses: 1, multi: Uint8Array.from([1, 1, 0, 0]) };
    const dw = fitDual(gramMatrix(xs), 4, yc, 1e-2, { loss: 'sqhinge', noBias: true });
    const w = new Float64Array(8);
    xs.forEach((v, a) => v.indices.forEach((j, k) => (w[j]! += v.values[k]! * dw.A[a]!)));
    for (const d of [
      ...docs,
      vec([
        [1, 0.3],
        [4, 0.7],
      ]),
    ]) {
      const exported = d.indices.reduce((s, j, k) => s + d.values[k]! * m!.W[j * 2 + 0]!, 0);
      const scaledSpace = d.indices.reduce((s, j, k) => s + d.values[k]! * r0[j]! * w[j]!, 0);
      expect(exported).toBeCloseTo(scaledSpace, 5);
    }
    // Unseen features keep weight 0; the classes come out right on their own documents.
    expect(m!.W[5 * 2]).toBe(0);
    const z = (d: SparseVector, c: number) => d.indices.reduce((s, j, k) => s + d.values[k]! * m!.W[j * 2 + c]!, 0);
    expect(z(docs[0]!, 0)).toBeGreaterThan(z(docs[0]!, 1));
    expect(z(docs[3]!, 1)).toBeGreaterThan(z(docs[3]!, 0));
    expect(Array.from(m!.b)).toEqual([0, 0]);
  });

  it('interpolation β = 1 is the plain model; β < 1 moves weights towards mean |w|', () => {
    const base = { lambdas: [1e-2], loss: 'logistic' as const, alpha: 1, dim: 8 };
    const [plain] = fitNbPath(docs, [0, 1, 2, 3], y, base);
    const [one] = fitNbPath(docs, [0, 1, 2, 3], y, { ...base, beta: 1 });
    expect(Array.from(one!.W)).toEqual(Array.from(plain!.W));
    const [half] = fitNbPath(docs, [0, 1, 2, 3], y, { ...base, beta: 0.5 });
    expect(Array.from(half!.W)).not.toEqual(Array.from(plain!.W));
    expect(() => fitNbPath(docs, [0], y, { ...base, beta: 0 })).toThrow(/β/);
  });
});

describe("TrainOptions.nbScaling (cvBy 'repo')", () => {
  it('is off by default: no option, false or [] train the same model, and model.json has no nbAlpha', () => {
    expect(nbOptions({})).toEqual({});
    expect(nbOptions({ nbScaling: false })).toEqual({});
    expect(nbOptions({ nbScaling: [] })).toEqual({});
    expect(nbOptions({ nbScaling: true, nbInterpolation: 0.25 })).toEqual({ nbAlphas: [1], nbBeta: 0.25 });
    const opts = { ...FAST, cvBy: 'repo' as const, titleScales: [1], titleOnlyWeights: [1], intercept: false };
    const plain = trainModel(threeRepos(), opts);
    const off = trainModel(threeRepos(), { ...opts, nbScaling: false });
    expect(Array.from(off.W)).toEqual(Array.from(plain.W));
    expect(plain.nbAlpha).toBeUndefined();
  });

  it('chooses α by LORO, exports one linear layer, records α in model.json, and is deterministic', () => {
    const opts = {
      ...FAST,
      cvBy: 'repo' as const,
      titleScales: [1],
      titleOnlyWeights: [1],
      intercept: false,
      nbScaling: [1, 0.5],
    };
    const m = trainModel(threeRepos(), opts);
    expect([1, 0.5]).toContain(m.nbAlpha);
    expect(m.W.length).toBe((1 << 12) * m.labels.length);
    const card = parseModelJson(
      JSON.parse(JSON.stringify(buildModelCard(m, new Uint8Array([1]), { name: 'u', createdAt: 'x', seed: 1 }))),
      'model.json',
    );
    expect(card.training.nbAlpha).toBe(m.nbAlpha);
    const plain = trainModel(threeRepos(), { ...opts, nbScaling: false });
    expect(Array.from(m.W)).not.toEqual(Array.from(plain.W));
    const again = trainModel([...threeRepos()].reverse(), opts);
    expect(Array.from(again.W)).toEqual(Array.from(m.W));
  });
});
