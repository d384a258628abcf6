/**
 * The trainer: labeled issues → linear model over the featurizer's hashed space. This file only orchestrates:
 * prepare the rows (training-data.ts), choose λ / loss / title weight by internal CV and refit the winner
 * (model-selection.ts, fit.ts, kernel-fit.ts; leave-one-repo-out with cvBy 'repo': grouped-cv.ts), then assemble
 * the TrainedModel with thresholds and held-out metrics.
 *
 * Everything is deterministic: rows are put in canonical order, folds come from a seeded PRNG,
 * and the optimiser (L-BFGS) has no randomness, so the same rows and options give byte-identical weights.
 */
import { dataHash, type LabeledIssue } from './dataset';
import type { FeaturizerSettings } from './featurizer-settings';
import { repoFolds, selectByRepo, type RepoSelectionExtras } from './grouped-cv';
import type { UnseenRepoCheck } from './unseen-repos';
import type { ModelKind } from './linear';
import type { Metrics } from './metrics';
import { crossValidate, heldOut, type Selection } from './model-selection';
import { prepare, type Prepared } from './training-data';
import { innerFolds, resolveFeaturizer, type ClassWeight, type TrainLoss, type TrainOptions } from './train-options';

export { TRAINER_VERSION } from './versions';
export type { ClassWeight, TrainLoss, TrainOptions } from './train-options';

/** A trained model in the dense hashed space, ready for export and reference scoring. */
export interface TrainedModel {
  kind: ModelKind;
  labels: string[];
  featurizer: FeaturizerSettings;
  /** Row-major [dim × labels.length], float32 exactly as exported to ONNX. */
  W: Float32Array;
  b: Float32Array;
  thresholds: (number | null)[];
  lambda: number;
  loss: TrainLoss;
  classWeight: ClassWeight;
  /** Out-of-fold metrics from the internal CV at the chosen λ. */
  heldOut: { decision: 'argmax' | 'thresholds'; metrics: Metrics; thresholdMetrics: Metrics; folds: number };
  trainingRows: number;
  dataHash: string;
  droppedLabels: Record<string, number>;
  /** Set when the model is a repo's slice of a pooled, domain-adapted model. */
  domain?: string;
  pooledRepos?: string[];
  /** cvBy 'repo': LORO figures, thresholds of each repo chosen from the other repos' out-of-fold scores. */
  unseenRepos?: UnseenRepoCheck;
  /** cvBy 'repo': loss weight of the title-only copies the model was trained with. */
  titleOnlyWeight?: number;
  /** cvBy 'repo' with TrainOptions.nbScaling: the chosen NB smoothing α (nb-scaling.ts). */
  nbAlpha?: number;
  /** false when fitted without intercepts (TrainOptions.intercept). */
  intercept?: boolean;
  /**
   * Newest creation time among the training rows (ISO); absent when the rows carry no dates. `retrain` reads it to
   * know which issues the model has never seen.
   */
  cutoff?: string;
}

/** The newest `createdAt` of the rows, as an ISO string; undefined when none has one. */
export function trainingCutoff(rows: readonly LabeledIssue[]): string | undefined {
  let newest: number | undefined;
  for (const r of rows) {
    const t = r.createdAt === undefined ? NaN : Date.parse(r.createdAt);
    if (!Number.isNaN(t) && (newest === undefined || t > newest)) newest = t;
  }
  return newest === undefined ? undefined : new Date(newest).toISOString();
}

/** Domain d's model: its dense weights, and thresholds and metrics from the selection's out-of-fold scores. */
function finishModel(
  p: Prepared & { dropped: Record<string, number> },
  sel: Selection & Partial<RepoSelectionExtras>,
  d: number,
  opts: TrainOptions,
  hash: string,
): TrainedModel {
  const h = heldOut(p, sel, d, opts);
  const dense = sel.dense[d]!;
  const cutoff = trainingCutoff(p.domains.length > 1 ? p.rows.filter((r) => r.repo === p.domains[d]) : p.rows);
  return {
    kind: p.kind,
    labels: p.labels,
    featurizer: p.settings,
    W: Float32Array.from(dense.W),
    b: Float32Array.from(dense.b),
    thresholds: h.thresholds,
    lambda: sel.lambda,
    loss: p.loss,
    classWeight: p.classWeight,
    heldOut: {
      decision: p.kind === 'single' ? 'argmax' : 'thresholds',
      metrics: p.kind === 'single' ? h.metrics : h.thresholdMetrics,
      thresholdMetrics: h.thresholdMetrics,
      folds: sel.folds ?? innerFolds(opts),
    },
    trainingRows: h.rows,
    dataHash: hash,
    droppedLabels: p.dropped,
    ...(p.domains.length > 1 ? { domain: p.domains[d]!, pooledRepos: p.domains } : {}),
    ...(sel.unseenRepos ? { unseenRepos: sel.unseenRepos, titleOnlyWeight: sel.titleOnlyWeight } : {}),
    ...(sel.nbAlpha !== undefined ? { nbAlpha: sel.nbAlpha } : {}),
    ...(opts.intercept === false && sel.unseenRepos ? { intercept: false } : {}),
    ...(cutoff !== undefined ? { cutoff } : {}),
  };
}

/** Trains one model on all rows (the universal model, or a single repo's rows). */
export function trainModel(rows: readonly LabeledIssue[], opts: TrainOptions = {}): TrainedModel {
  const settings = resolveFeaturizer(opts.featurizer);
  let o = opts;
  if (opts.cvBy === 'repo' && !repoFolds(rows)) {
    opts.onWarning?.(`cvBy 'repo' needs rows from at least 3 repos: using stratified internal CV`);
    o = { ...opts, cvBy: 'stratified' };
  }
  const p = prepare(rows, o, false);
  const sel = o.cvBy === 'repo' ? selectByRepo(p, o) : crossValidate(p, o, settings.dim);
  return finishModel(p, sel, 0, o, dataHash(p.rows));
}

/**
 * One model per repo. When every repo has the same label set and domainWeight > 0 (the default, 1),
 * the repos are trained jointly with repo-specific feature copies, and each repo's model is the shared
 * part plus its own; otherwise each repo is trained on its own rows only.
 */
export function trainPerRepo(rows: readonly LabeledIssue[], opts: TrainOptions = {}): Map<string, TrainedModel> {
  const byRepo = new Map<string, LabeledIssue[]>();
  for (const r of rows) {
    const g = byRepo.get(r.repo);
    if (g) g.push(r);
    else byRepo.set(r.repo, [r]);
  }
  const repos = [...byRepo.keys()].sort();
  const out = new Map<string, TrainedModel>();
  const domainWeight = opts.domainWeight ?? 1;
  const labelSets = new Set(
    repos.map((r) => [...new Set(byRepo.get(r)!.flatMap((x) => x.labels))].sort().join('\u0000')),
  );
  if (repos.length > 1 && domainWeight > 0 && labelSets.size === 1) {
    const settings = resolveFeaturizer(opts.featurizer);
    const p = prepare(rows, opts, true);
    const sel = crossValidate(p, opts, settings.dim);
    p.domains.forEach((repo, d) => {
      const hash = dataHash(p.rows);
      out.set(repo, finishModel(p, sel, d, opts, hash));
    });
    return out;
  }
  for (const repo of repos) {
    const warn = opts.onWarning;
    out.set(
      repo,
      trainModel(byRepo.get(repo)!, { ...opts, onWarning: warn ? (m) => warn(`${repo}: ${m}`) : undefined }),
    );
  }
  return out;
}
