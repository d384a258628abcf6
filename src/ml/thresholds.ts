/**
 * Per-label decision thresholds, Kubeflow's rule: among thresholds whose precision on held-out scores
 * is ≥ the target (0.7), take the one with the highest recall. A label that never reaches the target
 * precision gets `null` and is never predicted.
 */
export const DEFAULT_PRECISION_TARGET = 0.7;

export function chooseThreshold(
  scores: ArrayLike<number>,
  truth: ArrayLike<boolean | number>,
  precisionTarget = DEFAULT_PRECISION_TARGET,
): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let tp = 0;
  let fp = 0;
  let bestTp = 0;
  let best: number | null = null;
  for (let r = 0; r < n;) {
    const s = scores[order[r]!]!;
    // Consume all rows tied at this score: a threshold cannot separate them.
    while (r < n && scores[order[r]!] === s) {
      if (truth[order[r]!]) tp++;
      else fp++;
      r++;
    }
    if (tp > bestTp && tp / (tp + fp) >= precisionTarget) {
      bestTp = tp;
      // Midway to the next lower score generalises better than sitting exactly on a training score.
      const nextLower = r < n ? scores[order[r]!]! : s;
      best = (s + nextLower) / 2;
    }
  }
  return best;
}
