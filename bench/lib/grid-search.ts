/**
 * Grid search helpers for tuning a peer by inner cross-validation. Pure, so the selection rule is unit-tested apart
 * from the (slow) fits that produce the scores.
 */

/** Every combination of the axes' values, first axis varying slowest (the order ties are broken in). */
export function gridOf<T extends Record<string, unknown>>(axes: { [K in keyof T]: readonly T[K][] }): T[] {
  let out: Record<string, unknown>[] = [{}];
  for (const key of Object.keys(axes)) {
    const values = axes[key as keyof T] as readonly unknown[];
    if (values.length === 0) throw new Error(`grid axis ${key} has no values`);
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return out as T[];
}

export interface Scored<T> {
  setting: T;
  score: number;
}

/**
 * The best-scoring setting; on a tie the earlier one wins, so listing cheaper or more standard settings first makes
 * them the default when the inner CV cannot tell them apart. NaN scores never win (a fold with no usable labels).
 */
export function pickBest<T>(scored: readonly Scored<T>[]): Scored<T> {
  let best: Scored<T> | undefined;
  for (const s of scored) if (!Number.isNaN(s.score) && (best === undefined || s.score > best.score)) best = s;
  if (best === undefined) throw new Error('pickBest: no setting has a score');
  return best;
}
