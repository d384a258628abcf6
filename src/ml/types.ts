/** Contracts between the ML core and its users (the Lambda, the worker, the CLI). */

export interface IssueText {
  title: string;
  body?: string | null;
}

export interface LabelScore {
  label: string;
  /** Calibrated probability-like score in [0, 1]. */
  score: number;
  /** Per-label decision threshold from model.json; `null` when the label can never be predicted. */
  threshold: number | null;
}

export interface Prediction {
  /** Every label of the model, highest score first. */
  scores: LabelScore[];
  /** Labels whose score clears their threshold, highest score first. */
  labels: string[];
}

export interface Classifier {
  /** Stable identifier of the model version, e.g. `universal/2026-11-22T10-00-00Z`. */
  readonly version: string;
  readonly labels: readonly string[];
  predict(issues: readonly IssueText[]): Promise<Prediction[]>;
}
