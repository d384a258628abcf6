/**
 * The shapes shared by fitting, model selection and scoring: the model kind — multinomial softmax (single-label)
 * or one-vs-rest sigmoid (multi-label) — and the training targets. Fitting lives in kernel-fit.ts, scoring in
 * linear-scorer.ts.
 */

export type ModelKind = 'single' | 'multi';

/** Targets: for single-label, the class id per row; for multi-label, a 0/1 matrix [nRows × nClasses]. */
export interface Targets {
  kind: ModelKind;
  nClasses: number;
  classOf?: Int32Array;
  multi?: Uint8Array;
}
