/**
 * NB-scaled features (NBSVM: Wang & Manning 2012, "Baselines and Bigrams") for the universal model's LORO trainer
 * (TrainOptions.nbScaling, cvBy 'repo' only; grouped-cv.ts).
 *
 * For each one-vs-rest class c, every feature j is scaled by the log-count ratio
 *   r_cj = log((α + p_j) / ‖α + p‖₁) − log((α + q_j) / ‖α + q‖₁),
 * p = sum of the feature's values over the class's training documents, q = over the others, computed on the
 * documents of the fit only (inside a LORO fold, the held-out repo takes no part). The class's linear model is fitted
 * on x∘r_c (its own Gram matrix, dual form as everywhere else), then the scaling is folded into the weights
 * (w'_cj = w_cj·r_cj), so the exported model is still one linear layer over the featurizer's vectors.
 *
 * ‖α + p‖₁ sums over the features seen in the fit's documents (the paper's vocabulary), not over the whole hashed
 * space (2^18 buckets, nearly all empty, would make α·dim swamp every count). Features unseen in training get
 * weight 0 whatever their ratio. Each class is fitted on its own (one-vs-rest): squared hinge as without scaling,
 * 'logistic' is then one-vs-rest logistic (not softmax regression); scores are read through softmax as usual.
 *
 * Optional interpolation (the paper's NBSVM): w = (1 − β)·mean_j |w_j| + β·w over the seen features, before the
 * scaling is folded in; β = 1 (default) is the plain NB-scaled model.
 */
import { fitDualPath, gramMatrix, primalWeights } from './kernel-fit';
import type { Targets } from './linear';
import type { SparseVector } from './sparse-vector';
import type { TrainLoss, TrainOptions } from './train-options';

/** Default NB smoothing when TrainOptions.nbScaling is true. */
export const DEFAULT_NB_ALPHAS = [1];

/** TrainOptions.nbScaling / nbInterpolation as grouped-cv options: {} when off (the default). */
export function nbOptions(opts: TrainOptions): { nbAlphas?: number[]; nbBeta?: number } {
  const s = opts.nbScaling;
  if (s === undefined || s === false || (Array.isArray(s) && s.length === 0)) return {};
  return {
    nbAlphas: s === true ? DEFAULT_NB_ALPHAS : s,
    ...(opts.nbInterpolation !== undefined ? { nbBeta: opts.nbInterpolation } : {}),
  };
}

/** Whether document a (in fit order) belongs to class c. */
function inClass(y: Targets, a: number, c: number): boolean {
  return y.kind === 'single' ? y.classOf![a] === c : y.multi![a * y.nClasses + c] === 1;
}

/**
 * Log-count ratios of class c over the documents vectors[idx[a]] (targets y in the same order): r (length dim) and
 * the features seen in them.
 */
export function nbRatios(
  vectors: readonly SparseVector[],
  idx: readonly number[],
  y: Targets,
  c: number,
  alpha: number,
  dim: number,
): { r: Float64Array; seen: Uint8Array } {
  if (!(alpha > 0)) throw new Error(`NB smoothing α must be > 0, got ${alpha}`);
  const p = new Float64Array(dim);
  const q = new Float64Array(dim);
  const seen = new Uint8Array(dim);
  let sumP = 0;
  let sumQ = 0;
  idx.forEach((d, a) => {
    const v = vectors[d]!;
    const pos = inClass(y, a, c);
    const acc = pos ? p : q;
    for (let k = 0; k < v.indices.length; k++) {
      const j = v.indices[k]!;
      const x = v.values[k]!;
      acc[j]! += x;
      seen[j] = 1;
      if (pos) sumP += x;
      else sumQ += x;
    }
  });
  let vocab = 0;
  for (let j = 0; j < dim; j++) vocab += seen[j]!;
  const logNormP = Math.log(alpha * vocab + sumP);
  const logNormQ = Math.log(alpha * vocab + sumQ);
  const r = new Float64Array(dim);
  for (let j = 0; j < dim; j++)
    if (seen[j]) r[j] = Math.log(alpha + p[j]!) - logNormP - (Math.log(alpha + q[j]!) - logNormQ);
  return { r, seen };
}

/** x∘r as a sparse vector. */
function scaled(v: SparseVector, r: Float64Array): SparseVector {
  return { indices: v.indices, values: Float32Array.from(v.values, (x, k) => x * r[v.indices[k]!]!) };
}

export interface NbFitOptions {
  lambdas: number[];
  loss: TrainLoss;
  alpha: number;
  /** Interpolation weight β in (0, 1] (1 = none). */
  beta?: number;
  rowWeights?: Float64Array;
  noBias?: boolean;
  dim: number;
}

/** A fitted NB-scaled model in the featurizer's space: W row-major [dim × C] with the ratios folded in, b per class. */
export interface NbModel {
  W: Float64Array;
  b: Float64Array;
}

/**
 * Fits the NB-scaled one-vs-rest model on the documents vectors[idx[a]] (targets y in that order) for every λ (largest
 * first, each warm-started from the previous); returns one model per λ, in the order given.
 */
export function fitNbPath(
  vectors: readonly SparseVector[],
  idx: readonly number[],
  y: Targets,
  opts: NbFitOptions,
): NbModel[] {
  const C = y.nClasses;
  const m = idx.length;
  const { dim } = opts;
  const beta = opts.beta ?? 1;
  if (!(beta > 0 && beta <= 1)) throw new Error(`NB interpolation β must be in (0, 1], got ${beta}`);
  const models = opts.lambdas.map(() => ({ W: new Float64Array(dim * C), b: new Float64Array(C) }));
  for (let c = 0; c < C; c++) {
    const { r, seen } = nbRatios(vectors, idx, y, c, opts.alpha, dim);
    const xs = idx.map((d) => scaled(vectors[d]!, r));
    const K = gramMatrix(xs);
    const yc: Targets = {
      kind: 'multi',
      nClasses: 1,
      multi: Uint8Array.from(idx, (_, a) => (inClass(y, a, c) ? 1 : 0)),
    };
    const path = fitDualPath(K, m, yc, opts.lambdas, {
      loss: opts.loss === 'sqhinge' ? 'sqhinge' : 'default',
      ...(opts.rowWeights ? { rowWeights: opts.rowWeights } : {}),
      ...(opts.noBias ? { noBias: true } : {}),
    });
    path.forEach((dw, li) => {
      // Weights in the scaled space: w = Σ_a (x_a∘r)·A_a.
      const w = primalWeights(xs, dw.A, 1, dim);
      let mean = 0;
      if (beta < 1) {
        let vocab = 0;
        for (let j = 0; j < dim; j++)
          if (seen[j]) {
            mean += Math.abs(w[j]!);
            vocab++;
          }
        mean /= Math.max(1, vocab);
      }
      const { W, b } = models[li]!;
      for (let j = 0; j < dim; j++) if (seen[j]) W[j * C + c] = ((1 - beta) * mean + beta * w[j]!) * r[j]!;
      b[c] = dw.b[0]!;
    });
  }
  return models;
}
