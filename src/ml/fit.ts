/**
 * Fitting a Prepared problem: class weights, the warm-started λ path in dual form (kernel-fit.ts does the L-BFGS),
 * and the collapse of dual weights into the dense [dim × labels] weights that are exported.
 *
 * Model selection fits many candidates on fold subsets and the final model on all rows; both go through fitPath,
 * so the candidate that wins the CV is fitted exactly the way it was scored.
 */
import { fitDualPath, primalWeights, subGram, type DualWeights } from './kernel-fit';
import type { Targets } from './linear';
import { subsetTargets, type Prepared } from './training-data';

/** n / (classes present · rows of the row's class) per row; undefined for multi-label targets. */
function balancedWeights(y: Targets): Float64Array | undefined {
  if (y.kind !== 'single') return undefined;
  const n = y.classOf!.length;
  const counts = new Float64Array(y.nClasses);
  for (const c of y.classOf!) counts[c]! += 1;
  const present = counts.filter((x) => x > 0).length;
  const w = Float64Array.from(y.classOf!, (c) => n / (present * counts[c]!));
  // Already balanced: no weights, so the fit is exactly the unweighted one.
  return w.every((x) => x === 1) ? undefined : w;
}

/** Fits every λ (largest first, each warm-started from the previous) on the rows `idx`, in dual form. */
export function fitPath(p: Prepared, idx: number[], lambdas: number[]): DualWeights[] {
  // λ largest first: each fit warm-starts from the previous, more regularised solution.
  const n = p.rows.length;
  const K = idx.length === n ? p.K : subGram(p.K, n, idx);
  const y = subsetTargets(p.targets, idx);
  // Weights come from the class counts of ALL training rows, also inside internal-CV folds: the fold subsets of a
  // balanced set are slightly unbalanced, and weighting them would make its λ/title-weight choice drift for nothing.
  const all = p.classWeight === 'balanced' ? balancedWeights(p.targets) : undefined;
  const rowWeights = all && (idx.length === n ? all : Float64Array.from(idx, (i) => all[i]!));
  return fitDualPath(K, idx.length, y, lambdas, {
    loss: p.loss === 'sqhinge' ? 'sqhinge' : 'default',
    ...(rowWeights ? { rowWeights } : {}),
  });
}

/**
 * Dense weights in the hashed space for domain d: W = Σ_a x_a · A_a · (1 + w²·[domain(a) = d]),
 * i.e. the shared part plus (for pooled, domain-adapted training) the repo's own part.
 */
export function denseWeights(
  p: Prepared,
  w: DualWeights,
  idx: number[],
  dim: number,
  d: number,
): { W: Float64Array; b: Float64Array } {
  const w2 = p.domainWeight * p.domainWeight;
  const pooled = p.domains.length > 1;
  const vectors = idx.map((i) => p.vectors[i]!);
  const W = primalWeights(vectors, w.A, p.labels.length, dim, (a) =>
    pooled && p.domainOf[idx[a]!] === d ? 1 + w2 : 1,
  );
  return { W, b: Float64Array.from(w.b) };
}
