/**
 * The trainer: labeled issues → linear model over the featurizer's hashed space, with
 * L2 strength chosen by internal cross-validation and per-label thresholds from out-of-fold scores.
 *
 * Everything is deterministic: rows are put in canonical order, folds come from a seeded PRNG,
 * and the optimiser (L-BFGS) has no randomness, so the same rows and options give byte-identical weights.
 */
import {
  checkFeaturizerSettings,
  DEFAULT_FEATURIZER_SETTINGS,
  featurize,
  type FeaturizerSettings,
  type SparseVector,
} from './featurizer';
import { canonicalize, dataHash, stratifiedFolds, type LabeledIssue } from './dataset';
import { gramMatrix, fitDual, subGram, type DualWeights } from './kernel-fit';
import { scoresInto, type ModelKind, type Targets } from './linear';
import { computeMetrics, type Metrics } from './metrics';
import { chooseThreshold, DEFAULT_PRECISION_TARGET } from './thresholds';

export { TRAINER_VERSION } from './versions';

export interface TrainOptions {
  featurizer?: Partial<Omit<FeaturizerSettings, 'weights' | 'version'>> & { weights?: Partial<FeaturizerSettings['weights']> };
  /** L2 strengths tried by internal CV (penalty λ/2·‖W‖² on the mean loss). */
  lambdas?: number[];
  /** Internal CV folds for λ and thresholds. */
  folds?: number;
  seed?: number;
  /** Labels with fewer examples are dropped (with a warning). */
  minExamples?: number;
  precisionTarget?: number;
  /**
   * Pooled training with repo-specific feature copies ("frustratingly easy domain adaptation"):
   * each row's features count once shared and once for its repo; the model for repo R is shared + R's part.
   * Only used by trainPerRepo, and only when the repos share one label set.
   */
  domainWeight?: number;
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_LAMBDAS = [1e-3, 3e-4, 1e-4];

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
  /** Out-of-fold metrics from the internal CV at the chosen λ. */
  heldOut: { decision: 'argmax' | 'thresholds'; metrics: Metrics; thresholdMetrics: Metrics; folds: number };
  trainingRows: number;
  dataHash: string;
  droppedLabels: Record<string, number>;
  /** Set when the model is a repo's slice of a pooled, domain-adapted model. */
  domain?: string;
  pooledRepos?: string[];
}

export function resolveFeaturizer(opts: TrainOptions['featurizer']): FeaturizerSettings {
  const s: FeaturizerSettings = {
    ...DEFAULT_FEATURIZER_SETTINGS,
    ...(opts ?? {}),
    version: DEFAULT_FEATURIZER_SETTINGS.version,
    weights: { ...DEFAULT_FEATURIZER_SETTINGS.weights, ...(opts?.weights ?? {}) },
  };
  const err = checkFeaturizerSettings(s);
  if (err) throw new Error(err);
  return s;
}

export interface Prepared {
  rows: LabeledIssue[];
  vectors: SparseVector[];
  labels: string[];
  kind: ModelKind;
  targets: Targets;
  /** Domain id per row (0 when not domain-adapted). */
  domainOf: Int32Array;
  /** Gram matrix of the rows (n×n), including the domain-copy term when pooled. */
  K: Float64Array;
  /** Weight of the repo-specific feature copies (0 = none). */
  domainWeight: number;
  domains: string[];
}

/** Drops rare labels, decides single vs multi, and drops rows left without a label. */
function selectLabels(rows: LabeledIssue[], minExamples: number, warn: (m: string) => void) {
  const counts = new Map<string, number>();
  for (const r of rows) for (const l of r.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const dropped: Record<string, number> = {};
  const labels: string[] = [];
  for (const [l, n] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (n < minExamples) {
      dropped[l] = n;
      warn(`label "${l}" has only ${n} example(s) (< ${minExamples}): dropped`);
    } else labels.push(l);
  }
  const keep = new Set(labels);
  const kept = rows.map((r) => ({ ...r, labels: r.labels.filter((l) => keep.has(l)) })).filter((r) => r.labels.length > 0);
  if (kept.length < rows.length) warn(`${rows.length - kept.length} row(s) have no usable label and were skipped`);
  const kind: ModelKind = kept.every((r) => r.labels.length === 1) ? 'single' : 'multi';
  return { rows: kept, labels, kind, dropped };
}

function targetsFor(rows: LabeledIssue[], labels: string[], kind: ModelKind): Targets {
  const id = new Map(labels.map((l, i) => [l, i]));
  if (kind === 'single') {
    return { kind, nClasses: labels.length, classOf: Int32Array.from(rows, (r) => id.get(r.labels[0]!)!) };
  }
  const multi = new Uint8Array(rows.length * labels.length);
  rows.forEach((r, i) => r.labels.forEach((l) => (multi[i * labels.length + id.get(l)!] = 1)));
  return { kind, nClasses: labels.length, multi };
}

function subsetTargets(t: Targets, idx: number[]): Targets {
  if (t.kind === 'single') return { ...t, classOf: Int32Array.from(idx, (i) => t.classOf![i]!) };
  const C = t.nClasses;
  const multi = new Uint8Array(idx.length * C);
  idx.forEach((i, r) => multi.set(t.multi!.subarray(i * C, i * C + C), r * C));
  return { ...t, multi };
}

export function scoreDense(kind: ModelKind, W: ArrayLike<number>, b: ArrayLike<number>, C: number, v: SparseVector, out: Float64Array, offset: number): void {
  const z = new Float64Array(C);
  for (let c = 0; c < C; c++) z[c] = b[c]!;
  for (let j = 0; j < v.indices.length; j++) {
    const base = v.indices[j]! * C;
    const x = v.values[j]!;
    for (let c = 0; c < C; c++) z[c]! += x * W[base + c]!;
  }
  scoresInto(kind, z, out, offset, C);
}

/** Argmax for single-label, score ≥ 0.5 for multi-label: the decision used to compare λ values. */
function plainDecision(kind: ModelKind, labels: string[], scores: Float64Array, offset: number): string[] {
  const C = labels.length;
  if (kind === 'single') {
    let best = 0;
    for (let c = 1; c < C; c++) if (scores[offset + c]! > scores[offset + best]!) best = c;
    return [labels[best]!];
  }
  const out: string[] = [];
  for (let c = 0; c < C; c++) if (scores[offset + c]! >= 0.5) out.push(labels[c]!);
  return out;
}

export function thresholdDecision(labels: readonly string[], scores: ArrayLike<number>, thresholds: readonly (number | null)[], offset = 0): string[] {
  const out: { l: string; s: number }[] = [];
  for (let c = 0; c < labels.length; c++) {
    const t = thresholds[c];
    const s = scores[offset + c]!;
    if (t !== null && t !== undefined && s >= t) out.push({ l: labels[c]!, s });
  }
  return out.sort((a, b) => b.s - a.s).map((x) => x.l);
}

interface FitResult {
  /** Out-of-fold scores [nRows × C] for the chosen λ. */
  oof: Float64Array;
  lambda: number;
  /** Dense weights per domain (index by domain id; a single entry when not domain-adapted). */
  dense: { W: Float64Array; b: Float64Array }[];
}

export function prepare(rowsIn: readonly LabeledIssue[], opts: TrainOptions, pooled: boolean): Prepared & { dropped: Record<string, number> } {
  const domainWeight = pooled ? (opts.domainWeight ?? 1) : 0;
  const warn = opts.onWarning ?? (() => {});
  const rows0 = canonicalize(rowsIn);
  const sel = selectLabels(rows0, opts.minExamples ?? 5, warn);
  if (sel.labels.length < 2 && sel.kind === 'single') {
    throw new Error(`need at least 2 labels with ≥ ${opts.minExamples ?? 5} examples to train; found ${sel.labels.length}`);
  }
  if (sel.labels.length < 1) throw new Error('no label has enough examples to train');
  const settings = resolveFeaturizer(opts.featurizer);
  const domains = pooled ? [...new Set(sel.rows.map((r) => r.repo))].sort() : [''];
  const did = new Map(domains.map((d, i) => [d, i]));
  const vectors = sel.rows.map((r) => featurize(r, settings));
  const domainOf = Int32Array.from(sel.rows, (r) => (pooled ? did.get(r.repo)! : 0));
  const K = gramMatrix(vectors);
  if (pooled && domainWeight > 0) {
    // Repo-specific feature copies (scaled by w) add w²·⟨x_i, x_j⟩ for rows of the same repo.
    const n = vectors.length;
    const boost = 1 + domainWeight * domainWeight;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (domainOf[i] === domainOf[j]) K[i * n + j]! *= boost;
  }
  return {
    rows: sel.rows,
    vectors,
    K,
    domainWeight,
    labels: sel.labels,
    kind: sel.kind,
    targets: targetsFor(sel.rows, sel.labels, sel.kind),
    domainOf,
    domains,
    dropped: sel.dropped,
  };
}

/** Fits every λ (largest first, each warm-started from the previous) on the rows `idx`, in dual form. */
export function fitPath(p: Prepared, idx: number[], lambdas: number[]): DualWeights[] {
  const n = p.rows.length;
  const K = idx.length === n ? p.K : subGram(p.K, n, idx);
  const y = subsetTargets(p.targets, idx);
  let prev: DualWeights | undefined;
  return lambdas.map((lambda) => {
    const w = fitDual(K, idx.length, y, lambda, prev ? { init: prev } : {});
    prev = w;
    return w;
  });
}

/** Scores row t (any row of p) with dual weights fitted on rows `idx`: z = Σ_a K[t, idx[a]]·A[a] + b. */
function scoreDual(p: Prepared, w: DualWeights, idx: number[], t: number, out: Float64Array, offset: number): void {
  const C = p.labels.length;
  const n = p.rows.length;
  const z = new Float64Array(C);
  for (let c = 0; c < C; c++) z[c] = w.b[c]!;
  const row = t * n;
  for (let a = 0; a < idx.length; a++) {
    const k = p.K[row + idx[a]!]!;
    if (k === 0) continue;
    for (let c = 0; c < C; c++) z[c]! += k * w.A[a * C + c]!;
  }
  scoresInto(p.kind, z, out, offset, C);
}

/**
 * Dense weights in the hashed space for domain d: W = Σ_a x_a · A_a · (1 + w²·[domain(a) = d]),
 * i.e. the shared part plus (for pooled, domain-adapted training) the repo's own part.
 */
function collapse(p: Prepared, w: DualWeights, idx: number[], dim: number, d: number): { W: Float64Array; b: Float64Array } {
  const C = p.labels.length;
  const W = new Float64Array(dim * C);
  const w2 = p.domainWeight * p.domainWeight;
  for (let a = 0; a < idx.length; a++) {
    const i = idx[a]!;
    const mult = p.domains.length > 1 && p.domainOf[i] === d ? 1 + w2 : 1;
    const v = p.vectors[i]!;
    for (let j = 0; j < v.indices.length; j++) {
      const base = v.indices[j]! * C;
      const x = v.values[j]! * mult;
      for (let c = 0; c < C; c++) W[base + c]! += x * w.A[a * C + c]!;
    }
  }
  return { W, b: Float64Array.from(w.b) };
}

function crossValidate(p: Prepared, opts: TrainOptions, dim: number): FitResult {
  const k = Math.max(2, opts.folds ?? 5);
  const lambdas = [...(opts.lambdas ?? DEFAULT_LAMBDAS)].sort((a, b) => b - a);
  const seed = opts.seed ?? 1;
  const C = p.labels.length;
  const fold = stratifiedFolds(p.rows, k, seed, (r) => `${r.repo}\u0000${r.labels.join(',')}`);
  const oofs = lambdas.map(() => new Float64Array(p.rows.length * C));
  const total = k + 1;
  let done = 0;
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
  let bestIndex = 0;
  let bestScore = -1;
  lambdas.forEach((_, li) => {
    // Mean over domains of macro-F1: the headline metric in per-repo mode, plain macro-F1 otherwise.
    let sum = 0;
    for (let d = 0; d < p.domains.length; d++) {
      const rowsD = [...p.rows.keys()].filter((i) => p.domainOf[i] === d);
      const m = computeMetrics(
        p.labels,
        rowsD.map((i) => p.rows[i]!.labels),
        rowsD.map((i) => plainDecision(p.kind, p.labels, oofs[li]!, i * C)),
      );
      sum += m.macroF1;
    }
    const score = sum / p.domains.length;
    // Strict '>' keeps the first (largest, most regularised) λ on ties: deterministic.
    if (score > bestScore + 1e-12) {
      bestScore = score;
      bestIndex = li;
    }
  });
  const lambda = lambdas[bestIndex]!;
  const all = [...p.rows.keys()];
  const w = fitPath(p, all, [lambda])[0]!;
  const dense = p.domains.map((_, d) => collapse(p, w, all, dim, d));
  opts.onProgress?.(total, total);
  return { oof: oofs[bestIndex]!, lambda, dense };
}

function finishModel(p: Prepared & { dropped: Record<string, number> }, fit: FitResult, d: number, opts: TrainOptions, settings: FeaturizerSettings, hash: string): TrainedModel {
  const C = p.labels.length;
  const rowsD = [...p.rows.keys()].filter((i) => p.domainOf[i] === d);
  const thresholds = p.labels.map((_, c) =>
    chooseThreshold(
      rowsD.map((i) => fit.oof[i * C + c]!),
      rowsD.map((i) => p.rows[i]!.labels.includes(p.labels[c]!)),
      opts.precisionTarget ?? DEFAULT_PRECISION_TARGET,
    ),
  );
  p.labels.forEach((l, c) => {
    if (thresholds[c] === null) opts.onWarning?.(`label "${l}" cannot reach precision ${opts.precisionTarget ?? DEFAULT_PRECISION_TARGET} on held-out folds: it will never be predicted`);
  });
  const truth = rowsD.map((i) => p.rows[i]!.labels);
  const metrics = computeMetrics(p.labels, truth, rowsD.map((i) => plainDecision(p.kind, p.labels, fit.oof, i * C)));
  const thresholdMetrics = computeMetrics(p.labels, truth, rowsD.map((i) => thresholdDecision(p.labels, fit.oof, thresholds, i * C)));
  const dense = fit.dense[d]!;
  return {
    kind: p.kind,
    labels: p.labels,
    featurizer: settings,
    W: Float32Array.from(dense.W),
    b: Float32Array.from(dense.b),
    thresholds,
    lambda: fit.lambda,
    heldOut: { decision: p.kind === 'single' ? 'argmax' : 'thresholds', metrics: p.kind === 'single' ? metrics : thresholdMetrics, thresholdMetrics, folds: Math.max(2, opts.folds ?? 5) },
    trainingRows: rowsD.length,
    dataHash: hash,
    droppedLabels: p.dropped,
    ...(p.domains.length > 1 ? { domain: p.domains[d]!, pooledRepos: p.domains } : {}),
  };
}

/** Trains one model on all rows (the universal model, or a single repo's rows). */
export function trainModel(rows: readonly LabeledIssue[], opts: TrainOptions = {}): TrainedModel {
  const settings = resolveFeaturizer(opts.featurizer);
  const p = prepare(rows, opts, false);
  const fit = crossValidate(p, opts, settings.dim);
  return finishModel(p, fit, 0, opts, settings, dataHash(p.rows));
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
  const labelSets = new Set(repos.map((r) => [...new Set(byRepo.get(r)!.flatMap((x) => x.labels))].sort().join('\u0000')));
  if (repos.length > 1 && domainWeight > 0 && labelSets.size === 1) {
    const settings = resolveFeaturizer(opts.featurizer);
    const p = prepare(rows, opts, true);
    const fit = crossValidate(p, opts, settings.dim);
    p.domains.forEach((repo, d) => {
      const hash = dataHash(p.rows);
      out.set(repo, finishModel(p, fit, d, opts, settings, hash));
    });
    return out;
  }
  for (const repo of repos) {
    const warn = opts.onWarning;
    out.set(repo, trainModel(byRepo.get(repo)!, { ...opts, onWarning: warn ? (m) => warn(`${repo}: ${m}`) : undefined }));
  }
  return out;
}

/** Scores one featurized issue with a trained model (float64 accumulation over the float32 weights). */
export function scoreVector(model: Pick<TrainedModel, 'kind' | 'W' | 'b' | 'labels'>, v: SparseVector): Float64Array {
  const out = new Float64Array(model.labels.length);
  scoreDense(model.kind, model.W, model.b, model.labels.length, v, out, 0);
  return out;
}
