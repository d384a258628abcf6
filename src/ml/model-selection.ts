/**
 * Model selection by internal cross-validation on the training rows only: the search over λ × title scale × loss,
 * the out-of-fold scores of each candidate, the final fit of the winner, and the per-label thresholds and
 * held-out metrics that come from the winner's out-of-fold scores.
 *
 * Criterion: mean over domains (repos) of macro-F1 with the plain decision (argmax / ≥ 0.5). Ties keep the first
 * candidate in a fixed order, and folds come from a seeded PRNG, so the choice is deterministic.
 */
import { stratifiedFolds } from './dataset';
import { featurize } from './featurizer';
import { scaledTitleSettings } from './featurizer-settings';
import { denseWeights, fitPath } from './fit';
import { dualScores, gramMatrix, type DualWeights } from './kernel-fit';
import { scoresInto } from './linear-scorer';
import { computeMetrics, type Metrics } from './metrics';
import { argmaxAt, plainDecision, thresholdDecision } from './prediction';
import { chooseThreshold, DEFAULT_PRECISION_TARGET } from './thresholds';
import { combineTitleGram } from './title-scale';
import { boostDomains, type Prepared } from './training-data';
import {
  AUTO_LOSSES,
  DEFAULT_LAMBDAS,
  DEFAULT_TITLE_SCALES,
  innerFolds,
  type TrainLoss,
  type TrainOptions,
} from './train-options';

export interface Selection {
  /** Out-of-fold scores [nRows × C] for the chosen candidate. */
  oof: Float64Array;
  lambda: number;
  /** Dense weights per domain (index by domain id; a single entry when not domain-adapted). */
  dense: { W: Float64Array; b: Float64Array }[];
}

/** Scores row t (any row of p) with dual weights fitted on rows `idx`: z = Σ_a K[t, idx[a]]·A[a] + b. */
function scoreDual(p: Prepared, w: DualWeights, idx: number[], t: number, out: Float64Array, offset: number): void {
  const z = new Float64Array(p.labels.length);
  dualScores(p.K, p.rows.length, idx, w, t, z);
  scoresInto(p.kind, z, out, offset, z.length);
}

/** Row ids of domain d. */
function domainRows(p: Prepared, d: number): number[] {
  return [...p.rows.keys()].filter((i) => p.domainOf[i] === d);
}

/**
 * Runs the internal CV, then refits the winner on all rows. Leaves p holding the winner's loss, settings, vectors
 * and Gram matrix (what the exported model computes).
 */
export function crossValidate(p: Prepared, opts: TrainOptions, dim: number): Selection {
  const k = innerFolds(opts);
  const lambdas = [...(opts.lambdas ?? DEFAULT_LAMBDAS)].sort((a, b) => b - a);
  const scales = p.titleParts ? (opts.titleScales ?? DEFAULT_TITLE_SCALES) : [1];
  const seed = opts.seed ?? 1;
  const losses = opts.loss === undefined || opts.loss === 'auto' ? AUTO_LOSSES : [opts.loss];
  const C = p.labels.length;
  const fold = stratifiedFolds(p.rows, k, seed, (r) => `${r.repo}\u0000${r.labels.join(',')}`);
  const total = k * scales.length * losses.length + 1;
  let done = 0;
  let best: { score: number; lambda: number; scale: number; loss: TrainLoss; oof: Float64Array } | null = null;
  const exactK = p.K;
  for (const scale of scales) {
    if (p.titleParts) {
      p.K = combineTitleGram(p.titleParts, scale);
      boostDomains(p.K, p.domainOf, p.domainWeight);
    } else p.K = exactK;
    for (const loss of losses) {
      p.loss = loss;
      const oofs = lambdas.map(() => new Float64Array(p.rows.length * C));
      for (let f = 0; f < k; f++) {
        const train: number[] = [];
        const test: number[] = [];
        for (let i = 0; i < p.rows.length; i++) (fold[i] === f ? test : train).push(i);
        if (test.length === 0 || train.length === 0) continue;
        const path = fitPath(p, train, lambdas);
        path.forEach((w, li) => {
          for (const i of test) scoreDual(p, w, train, i, oofs[li]!, i * C);
        });
        opts.onProgress?.(++done, total);
      }
      lambdas.forEach((lambda, li) => {
        // Mean over domains of macro-F1: the headline metric in per-repo mode, plain macro-F1 otherwise.
        let sum = 0;
        for (let d = 0; d < p.domains.length; d++) {
          const rowsD = domainRows(p, d);
          const m = computeMetrics(
            p.labels,
            rowsD.map((i) => p.rows[i]!.labels),
            rowsD.map((i) => plainDecision(p.kind, p.labels, oofs[li]!, i * C)),
          );
          sum += m.macroF1;
        }
        const score = sum / p.domains.length;
        // Strict '>' keeps the first candidate on ties (scales in the given order, then losses, λ largest first): deterministic.
        if (!best || score > best.score + 1e-12) best = { score, lambda, scale, loss, oof: oofs[li]! };
      });
    }
  }
  const chosen = best!;
  p.loss = chosen.loss;
  // Final fit on the exact Gram matrix of the chosen settings' vectors (what the exported model computes).
  const settings = scaledTitleSettings(p.settings, chosen.scale);
  if (chosen.scale !== 1 || !p.titleParts) {
    p.vectors = p.rows.map((r) => featurize(r, settings));
    p.K = gramMatrix(p.vectors);
    boostDomains(p.K, p.domainOf, p.domainWeight);
  } else {
    p.K = exactK;
  }
  p.settings = settings;
  const all = [...p.rows.keys()];
  const w = fitPath(p, all, [chosen.lambda])[0]!;
  const dense = p.domains.map((_, d) => denseWeights(p, w, all, dim, d));
  opts.onProgress?.(total, total);
  return { oof: chosen.oof, lambda: chosen.lambda, dense };
}

/** What the winner's out-of-fold scores say about domain d: per-label thresholds and held-out metrics. */
export interface HeldOut {
  rows: number;
  thresholds: (number | null)[];
  /** Plain decision (argmax for single-label). */
  metrics: Metrics;
  /** With the chosen thresholds (the rule the bot applies). */
  thresholdMetrics: Metrics;
}

/** Thresholds (Kubeflow's rule, thresholds.ts) and held-out metrics for domain d; warns about never-predicted labels. */
export function heldOut(p: Prepared, sel: Selection, d: number, opts: TrainOptions): HeldOut {
  const C = p.labels.length;
  const rowsD = domainRows(p, d);
  const target = opts.precisionTarget ?? DEFAULT_PRECISION_TARGET;
  // A single-label model only ever predicts its top label, so each label's threshold is chosen on the rows where that
  // label is on top: the same decision the served model makes (predictedIndices).
  const candidates = (c: number) =>
    p.kind === 'single' ? rowsD.filter((i) => argmaxAt(sel.oof, i * C, C) === c) : rowsD;
  const thresholds = p.labels.map((_, c) =>
    chooseThreshold(
      candidates(c).map((i) => sel.oof[i * C + c]!),
      candidates(c).map((i) => p.rows[i]!.labels.includes(p.labels[c]!)),
      target,
    ),
  );
  p.labels.forEach((l, c) => {
    if (thresholds[c] === null)
      opts.onWarning?.(`label "${l}" cannot reach precision ${target} on held-out folds: it will never be predicted`);
  });
  const truth = rowsD.map((i) => p.rows[i]!.labels);
  const metrics = computeMetrics(
    p.labels,
    truth,
    rowsD.map((i) => plainDecision(p.kind, p.labels, sel.oof, i * C)),
  );
  const thresholdMetrics = computeMetrics(
    p.labels,
    truth,
    rowsD.map((i) => thresholdDecision(p.kind, p.labels, sel.oof, thresholds, i * C)),
  );
  return { rows: rowsD.length, thresholds, metrics, thresholdMetrics };
}
