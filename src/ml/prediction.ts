/**
 * Scores → decisions: the argmax, the labels a model predicts (top label or thresholds), and the Prediction shape.
 *
 * Serving (onnx-classifier, reference-scorer), evaluation and the trainer's model selection all decide through these
 * few functions, so the rule the bot applies is the rule it is measured and tuned with.
 */
import type { ModelKind } from './linear';
import type { LabelScore, Prediction } from './types';

/** Index of the highest score in scores[offset, offset + n); ties go to the lower index, so it is deterministic. */
export function argmaxAt(scores: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (scores[offset + c]! > scores[offset + best]!) best = c;
  return best;
}

/**
 * Which labels a model predicts. Multi-label: every label whose score clears its threshold. Single-label: only the
 * top-scoring label, and only when it clears its threshold. A runner-up of a softmax/one-vs-rest single-label model
 * can clear a low threshold (labels that are rarely confused get low ones) while the issue is plainly something
 * else: "crash on start" must never come out as `question` because `question` scored 0.22 against a 0.20 threshold.
 */
export function predictedIndices(
  kind: ModelKind,
  scores: ArrayLike<number>,
  thresholds: readonly (number | null)[],
  offset = 0,
): number[] {
  const n = thresholds.length;
  const clears = (c: number) => {
    const t = thresholds[c];
    return t !== null && t !== undefined && scores[offset + c]! >= t;
  };
  if (kind === 'single') {
    const top = argmaxAt(scores, offset, n);
    return clears(top) ? [top] : [];
  }
  const out: number[] = [];
  for (let c = 0; c < n; c++) if (clears(c)) out.push(c);
  return out.sort((a, b) => scores[offset + b]! - scores[offset + a]! || a - b);
}

/** Scores (aligned with labels) → Prediction: all labels by score, and the predicted ones (see predictedIndices). */
export function toPrediction(
  kind: ModelKind,
  labels: readonly string[],
  thresholds: readonly (number | null)[],
  scores: ArrayLike<number>,
  offset = 0,
): Prediction {
  const all: LabelScore[] = labels.map((label, c) => ({
    label,
    score: scores[offset + c]!,
    threshold: thresholds[c] ?? null,
  }));
  // Ties broken by label order so the output is deterministic.
  const order = all
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.score - a.s.score || a.i - b.i)
    .map((x) => x.s);
  return { scores: order, labels: predictedIndices(kind, scores, thresholds, offset).map((c) => labels[c]!) };
}

/** predictedIndices as label names: the labels the served model applies. */
export function thresholdDecision(
  kind: ModelKind,
  labels: readonly string[],
  scores: ArrayLike<number>,
  thresholds: readonly (number | null)[],
  offset = 0,
): string[] {
  return predictedIndices(kind, scores, thresholds, offset).map((c) => labels[c]!);
}

/** Argmax for single-label, score ≥ 0.5 for multi-label: the threshold-free decision that compares CV candidates. */
export function plainDecision(
  kind: ModelKind,
  labels: readonly string[],
  scores: ArrayLike<number>,
  offset: number,
): string[] {
  const C = labels.length;
  if (kind === 'single') return [labels[argmaxAt(scores, offset, C)]!];
  const out: string[] = [];
  for (let c = 0; c < C; c++) if (scores[offset + c]! >= 0.5) out.push(labels[c]!);
  return out;
}
