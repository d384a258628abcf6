/** Classification metrics shared by eval, CV and the model card. */

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of test rows carrying the label. */
  support: number;
}

export interface Metrics {
  /** Macro-F1 over the labels the model knows (labels with support 0 and no predictions are skipped). */
  macroF1: number;
  /** Exact-match accuracy: predicted label set equals the true set (restricted to known labels). */
  accuracy: number;
  n: number;
  perLabel: Record<string, LabelMetrics>;
  /** Test label occurrences the model does not know (never predictable), by label. */
  unknownLabels: Record<string, number>;
}

export function computeMetrics(
  labels: readonly string[],
  truth: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): Metrics {
  const known = new Set(labels);
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const unknown: Record<string, number> = {};
  let exact = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = new Set(truth[i]!.filter((l) => known.has(l)));
    for (const l of truth[i]!) if (!known.has(l)) unknown[l] = (unknown[l] ?? 0) + 1;
    const p = new Set(predicted[i]!);
    let same = t.size === p.size;
    for (const l of p) {
      if (t.has(l)) tp.set(l, (tp.get(l) ?? 0) + 1);
      else {
        fp.set(l, (fp.get(l) ?? 0) + 1);
        same = false;
      }
    }
    for (const l of t) if (!p.has(l)) fn.set(l, (fn.get(l) ?? 0) + 1);
    if (same) exact++;
  }
  const perLabel: Record<string, LabelMetrics> = {};
  let f1Sum = 0;
  let counted = 0;
  for (const l of labels) {
    const a = tp.get(l) ?? 0;
    const b = fp.get(l) ?? 0;
    const c = fn.get(l) ?? 0;
    const precision = a + b > 0 ? a / (a + b) : 0;
    const recall = a + c > 0 ? a / (a + c) : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perLabel[l] = { precision, recall, f1, support: a + c };
    if (a + b + c > 0) {
      f1Sum += f1;
      counted++;
    }
  }
  return {
    macroF1: counted > 0 ? f1Sum / counted : 0,
    accuracy: truth.length > 0 ? exact / truth.length : 0,
    n: truth.length,
    perLabel,
    unknownLabels: unknown,
  };
}
