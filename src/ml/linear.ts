/**
 * Linear models on sparse rows: multinomial softmax (single-label) or one-vs-rest logistic (multi-label),
 * both with an L2 penalty, fitted by L-BFGS over a compact feature space (only features seen in training).
 */
import { DEFAULT_LBFGS, minimize, type LbfgsOptions } from './lbfgs';

export type ModelKind = 'single' | 'multi';

/** Compressed sparse rows over compact feature ids [0, nFeatures). */
export interface Csr {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  nRows: number;
  nFeatures: number;
}

export interface LinearWeights {
  /** Row-major [nFeatures × nClasses]. */
  W: Float64Array;
  b: Float64Array;
  nFeatures: number;
  nClasses: number;
}

/** Targets: for single-label, the class id per row; for multi-label, a 0/1 matrix [nRows × nClasses]. */
export interface Targets {
  kind: ModelKind;
  nClasses: number;
  classOf?: Int32Array;
  multi?: Uint8Array;
}

export function scoresInto(kind: ModelKind, z: Float64Array, out: Float64Array, offset: number, nClasses: number): void {
  if (kind === 'single') {
    let max = -Infinity;
    for (let c = 0; c < nClasses; c++) if (z[c]! > max) max = z[c]!;
    let sum = 0;
    for (let c = 0; c < nClasses; c++) {
      const e = Math.exp(z[c]! - max);
      out[offset + c] = e;
      sum += e;
    }
    for (let c = 0; c < nClasses; c++) out[offset + c]! /= sum;
  } else {
    for (let c = 0; c < nClasses; c++) out[offset + c] = 1 / (1 + Math.exp(-z[c]!));
  }
}

export function fitLinear(
  X: Csr,
  y: Targets,
  lambda: number,
  rowWeights?: Float64Array,
  lbfgs: LbfgsOptions = DEFAULT_LBFGS,
  /** Warm start (e.g. the solution for a neighbouring λ), same layout as the result. */
  init?: LinearWeights,
): LinearWeights {
  const C = y.nClasses;
  const F = X.nFeatures;
  const nW = F * C;
  const params = new Float64Array(nW + C);
  if (init) {
    params.set(init.W);
    params.set(init.b, nW);
  }
  const z = new Float64Array(C);
  const p = new Float64Array(C);
  let totalWeight = 0;
  for (let i = 0; i < X.nRows; i++) totalWeight += rowWeights ? rowWeights[i]! : 1;
  const invN = 1 / Math.max(totalWeight, 1e-12);

  const objective = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < X.nRows; i++) {
      const start = X.rowPtr[i]!;
      const end = X.rowPtr[i + 1]!;
      for (let c = 0; c < C; c++) z[c] = x[nW + c]!;
      for (let k = start; k < end; k++) {
        const base = X.cols[k]! * C;
        const v = X.vals[k]!;
        for (let c = 0; c < C; c++) z[c]! += v * x[base + c]!;
      }
      const w = (rowWeights ? rowWeights[i]! : 1) * invN;
      if (y.kind === 'single') {
        const t = y.classOf![i]!;
        let max = -Infinity;
        for (let c = 0; c < C; c++) if (z[c]! > max) max = z[c]!;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(z[c]! - max);
        const lse = max + Math.log(sum);
        loss += w * (lse - z[t]!);
        for (let c = 0; c < C; c++) p[c] = (Math.exp(z[c]! - lse) - (c === t ? 1 : 0)) * w;
      } else {
        const row = i * C;
        for (let c = 0; c < C; c++) {
          const zc = z[c]!;
          const yc = y.multi![row + c]!;
          // log(1 + e^z) computed stably.
          const softplus = zc > 0 ? zc + Math.log1p(Math.exp(-zc)) : Math.log1p(Math.exp(zc));
          loss += w * (softplus - yc * zc);
          p[c] = (1 / (1 + Math.exp(-zc)) - yc) * w;
        }
      }
      for (let c = 0; c < C; c++) grad[nW + c]! += p[c]!;
      for (let k = start; k < end; k++) {
        const base = X.cols[k]! * C;
        const v = X.vals[k]!;
        for (let c = 0; c < C; c++) grad[base + c]! += v * p[c]!;
      }
    }
    let reg = 0;
    for (let j = 0; j < nW; j++) {
      const wj = x[j]!;
      reg += wj * wj;
      grad[j]! += lambda * wj;
    }
    return loss + 0.5 * lambda * reg;
  };

  const res = minimize(objective, params, lbfgs);
  if (process.env.LABEL_BOT_DEBUG_LBFGS) process.stderr.write(`lbfgs λ=${lambda} F=${F} iterations=${res.iterations} loss=${res.value.toFixed(5)}\n`);
  return { W: params.subarray(0, nW), b: params.subarray(nW), nFeatures: F, nClasses: C };
}

/** Scores rows of X (same compact space) → [nRows × nClasses] probabilities. */
export function predictCsr(kind: ModelKind, model: LinearWeights, X: Csr): Float64Array {
  const C = model.nClasses;
  const out = new Float64Array(X.nRows * C);
  const z = new Float64Array(C);
  for (let i = 0; i < X.nRows; i++) {
    for (let c = 0; c < C; c++) z[c] = model.b[c]!;
    for (let k = X.rowPtr[i]!; k < X.rowPtr[i + 1]!; k++) {
      const f = X.cols[k]!;
      if (f < 0 || f >= model.nFeatures) continue;
      const v = X.vals[k]!;
      const base = f * C;
      for (let c = 0; c < C; c++) z[c]! += v * model.W[base + c]!;
    }
    scoresInto(kind, z, out, i * C, C);
  }
  return out;
}
