import type { LabelScore, Prediction } from './types';

/** Scores (aligned with labels) → Prediction: all labels by score, and those clearing their threshold. */
export function toPrediction(labels: readonly string[], thresholds: readonly (number | null)[], scores: ArrayLike<number>, offset = 0): Prediction {
  const all: LabelScore[] = labels.map((label, c) => ({ label, score: scores[offset + c]!, threshold: thresholds[c] ?? null }));
  // Ties broken by label order so the output is deterministic.
  const order = all.map((s, i) => ({ s, i })).sort((a, b) => b.s.score - a.s.score || a.i - b.i).map((x) => x.s);
  return { scores: order, labels: order.filter((s) => s.threshold !== null && s.score >= s.threshold).map((s) => s.label) };
}
