/**
 * Shared pieces of the linear models: multinomial softmax (single-label) or one-vs-rest logistic
 * (multi-label). Fitting lives in kernel-fit.ts.
 */

export type ModelKind = 'single' | 'multi';

/** Targets: for single-label, the class id per row; for multi-label, a 0/1 matrix [nRows × nClasses]. */
export interface Targets {
  kind: ModelKind;
  nClasses: number;
  classOf?: Int32Array;
  multi?: Uint8Array;
}

/** Logits z → probabilities (softmax for single-label, per-label sigmoid for multi-label), written to out[offset…]. */
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
