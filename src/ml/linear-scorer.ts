/**
 * The one sparse linear scorer: z = b + Σ_j x_j·W[index_j, ·] over a featurized issue, then softmax
 * (single-label) or per-label sigmoid (multi-label).
 *
 * The trainer's out-of-fold scores, `evaluate`, the benchmarks and the pure-TS reference scorer (which the ONNX
 * golden test holds onnxruntime to) all score through here, so "what the model computes" is written once:
 * float64 accumulation over the float32 weights, in feature order, then the link function.
 */
import type { ModelKind } from './linear';
import type { SparseVector } from './sparse-vector';

/** Logits z → probabilities (softmax for single-label, per-label sigmoid for multi-label), written to out[offset…]. */
export function scoresInto(
  kind: ModelKind,
  z: Float64Array,
  out: Float64Array,
  offset: number,
  nClasses: number,
): void {
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

/** Scores v with row-major W [dim × C] and bias b, writing the C probabilities to out[offset…]. */
export function scoreSparseInto(
  kind: ModelKind,
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  C: number,
  v: SparseVector,
  out: Float64Array,
  offset: number,
): void {
  const z = new Float64Array(C);
  for (let c = 0; c < C; c++) z[c] = b[c]!;
  for (let j = 0; j < v.indices.length; j++) {
    const base = v.indices[j]! * C;
    const x = v.values[j]!;
    for (let c = 0; c < C; c++) z[c]! += x * W[base + c]!;
  }
  scoresInto(kind, z, out, offset, C);
}

/** A linear model as the scorer needs it (a TrainedModel, or weights read back from model.onnx). */
export interface LinearWeights {
  kind: ModelKind;
  labels: readonly string[];
  /** Row-major [dim × labels.length]. */
  W: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** Scores one featurized issue: probabilities aligned with model.labels. */
export function scoreVector(model: LinearWeights, v: SparseVector): Float64Array {
  const out = new Float64Array(model.labels.length);
  scoreSparseInto(model.kind, model.W, model.b, model.labels.length, v, out, 0);
  return out;
}
