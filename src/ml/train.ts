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
  featurizeGroups,
  type FeaturizerSettings,
  type SparseVector,
} from './featurizer';
import { canonicalize, dataHash, stratifiedFolds, type LabeledIssue } from './dataset';
import { gramMatrix, fitDual, subGram, type DualWeights } from './kernel-fit';
import { scoresInto, type ModelKind, type Targets } from './linear';
import { computeMetrics, type Metrics } from './metrics';
import { chooseThreshold, DEFAULT_PRECISION_TARGET } from './thresholds';
import { argmaxAt, predictedIndices } from './prediction';

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
  /** Title weight multipliers tried by internal CV (see DEFAULT_TITLE_SCALES); [1] keeps the settings' weights. */
  titleScales?: number[];
  /**
   * 'sqhinge': one-vs-rest squared hinge (L2-SVM), scores = softmax / sigmoid of the margins.
   * 'logistic': multinomial softmax regression (single-label) / one-vs-rest logistic (multi-label).
   * 'auto' (default): both are candidates of the internal CV, next to λ and the title weight. Neither wins
   * everywhere (docs/ml.md): the L2-SVM is clearly better on the 22-label corefx set, softmax slightly on NLBSE.
   */
  loss?: TrainLoss | 'auto';
  /**
   * 'balanced' (default; single-label sets only): each row's loss is weighted by n / (classes · rows of its class),
   * so rare classes count as much as frequent ones (mean weight 1). 'none': every row counts once.
   * CV on corefx areas (22 imbalanced labels, bench/quality.ts --quick): macro-F1 0.629 → 0.703, accuracy
   * 0.745 → 0.774 (docs/ml.md); on an already balanced set every weight is exactly 1 (same model as 'none').
   */
  classWeight?: ClassWeight;
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export type TrainLoss = 'sqhinge' | 'logistic';
/** Losses the internal CV tries when TrainOptions.loss is 'auto' (in this order: ties keep the first). */
export const AUTO_LOSSES: readonly TrainLoss[] = ['sqhinge', 'logistic'];
export type ClassWeight = 'none' | 'balanced';
/** Internal CV folds for choosing λ and the title weight, and for the out-of-fold scores thresholds come from. */
export const DEFAULT_INNER_FOLDS = 3;
export const DEFAULT_LAMBDAS = [1e-3, 1e-4, 1e-5, 1e-6];

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
  settings: FeaturizerSettings;
  loss: TrainLoss;
  classWeight: ClassWeight;
  /** Title-part and rest-part Gram matrices and squared norms, for choosing the title weight by CV. */
  titleParts?: { Kt: Float64Array; Kr: Float64Array; Nt: Float64Array; Nr: Float64Array };
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
  if (kind === 'single') return [labels[argmaxAt(scores, offset, C)]!];
  const out: string[] = [];
  for (let c = 0; c < C; c++) if (scores[offset + c]! >= 0.5) out.push(labels[c]!);
  return out;
}

export function thresholdDecision(kind: ModelKind, labels: readonly string[], scores: ArrayLike<number>, thresholds: readonly (number | null)[], offset = 0): string[] {
  return predictedIndices(kind, scores, thresholds, offset).map((c) => labels[c]!);
}

interface FitResult {
  /** Out-of-fold scores [nRows × C] for the chosen λ. */
  oof: Float64Array;
  lambda: number;
  /** Dense weights per domain (index by domain id; a single entry when not domain-adapted). */
  dense: { W: Float64Array; b: Float64Array }[];
}

/** Title weights tried by internal CV, as multiples of the settings' titleWords/titleChars weights. */
export const DEFAULT_TITLE_SCALES = [0.5, 1, 2, 4];

/** Repo-specific feature copies (scaled by w) add w²·⟨x_i, x_j⟩ for rows of the same repo. */
function boostDomains(K: Float64Array, domainOf: Int32Array, domainWeight: number): void {
  if (domainWeight <= 0) return;
  const n = domainOf.length;
  const boost = 1 + domainWeight * domainWeight;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (domainOf[i] === domainOf[j]) K[i * n + j]! *= boost;
}

function mergeScaled(parts: { v: SparseVector; w: number }[]): SparseVector {
  const m = new Map<number, number>();
  for (const { v, w } of parts) {
    if (w === 0) continue;
    for (let j = 0; j < v.indices.length; j++) m.set(v.indices[j]!, (m.get(v.indices[j]!) ?? 0) + w * v.values[j]!);
  }
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { indices: Int32Array.from(keys), values: Float32Array.from(keys, (k) => m.get(k)!) };
}

/**
 * featurize() output is (t·title + rest)/‖·‖ where title/rest are the weighted, unnormalised group sums.
 * With Kt, Kr their Gram matrices and Nt, Nr their squared norms, the Gram matrix for title scale t is
 * (t²·Kt + Kr)_ij / sqrt((t²·Nt_i + Nr_i)(t²·Nt_j + Nr_j)) — no re-featurizing per candidate weight.
 */
function titleRestGrams(rows: LabeledIssue[], settings: FeaturizerSettings) {
  const w = settings.weights;
  const gw = [w.titleWords, w.titleChars, w.bodyWords, w.bodyChars, w.headings, w.meta, w.code];
  const title: SparseVector[] = [];
  const rest: SparseVector[] = [];
  for (const r of rows) {
    const groups = featurizeGroups(r, settings);
    title.push(mergeScaled([0, 1].map((g) => ({ v: groups[g]!, w: gw[g]! }))));
    rest.push(mergeScaled([2, 3, 4, 5, 6].map((g) => ({ v: groups[g]!, w: gw[g]! }))));
  }
  const sq = (v: SparseVector) => v.values.reduce((a, x) => a + x * x, 0);
  return { Kt: gramMatrix(title), Kr: gramMatrix(rest), Nt: Float64Array.from(title, sq), Nr: Float64Array.from(rest, sq) };
}

function combineTitleGram(p: Prepared, t: number): Float64Array {
  const { Kt, Kr, Nt, Nr } = p.titleParts!;
  const n = p.rows.length;
  const t2 = t * t;
  const inv = Float64Array.from(Nt, (x, i) => {
    const norm = t2 * x + Nr[i]!;
    return norm > 0 ? 1 / Math.sqrt(norm) : 0;
  });
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = (t2 * Kt[i * n + j]! + Kr[i * n + j]!) * inv[i]! * inv[j]!;
  boostDomains(K, p.domainOf, p.domainWeight);
  return K;
}

export function scaledTitleSettings(settings: FeaturizerSettings, t: number): FeaturizerSettings {
  if (t === 1) return settings;
  return { ...settings, weights: { ...settings.weights, titleWords: settings.weights.titleWords * t, titleChars: settings.weights.titleChars * t } };
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
  const scales = opts.titleScales ?? DEFAULT_TITLE_SCALES;
  const titleParts = scales.length > 1 ? titleRestGrams(sel.rows, settings) : undefined;
  const K = gramMatrix(vectors);
  boostDomains(K, domainOf, domainWeight);
  return {
    rows: sel.rows,
    vectors,
    K,
    titleParts,
    settings,
    loss: opts.loss === 'logistic' ? 'logistic' : 'sqhinge',
    classWeight: opts.classWeight ?? 'balanced',
    domainWeight,
    labels: sel.labels,
    kind: sel.kind,
    targets: targetsFor(sel.rows, sel.labels, sel.kind),
    domainOf,
    domains,
    dropped: sel.dropped,
  };
}

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
  let prev: DualWeights | undefined;
  return lambdas.map((lambda) => {
    const w = fitDual(K, idx.length, y, lambda, {
      loss: p.loss === 'sqhinge' ? 'sqhinge' : 'default',
      ...(prev ? { init: prev } : {}),
      ...(rowWeights ? { rowWeights } : {}),
    });
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
  const k = Math.max(2, opts.folds ?? DEFAULT_INNER_FOLDS);
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
    p.K = p.titleParts ? combineTitleGram(p, scale) : exactK;
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
          const rowsD = [...p.rows.keys()].filter((i) => p.domainOf[i] === d);
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
  const dense = p.domains.map((_, d) => collapse(p, w, all, dim, d));
  opts.onProgress?.(total, total);
  return { oof: chosen.oof, lambda: chosen.lambda, dense };
}

function finishModel(p: Prepared & { dropped: Record<string, number> }, fit: FitResult, d: number, opts: TrainOptions, settings: FeaturizerSettings, hash: string): TrainedModel {
  const C = p.labels.length;
  const rowsD = [...p.rows.keys()].filter((i) => p.domainOf[i] === d);
  // A single-label model only ever predicts its top label, so each label's threshold is chosen on the rows where that
  // label is on top: the same decision the served model makes (predictedIndices).
  const candidates = (c: number) => (p.kind === 'single' ? rowsD.filter((i) => argmaxAt(fit.oof, i * C, C) === c) : rowsD);
  const thresholds = p.labels.map((_, c) =>
    chooseThreshold(
      candidates(c).map((i) => fit.oof[i * C + c]!),
      candidates(c).map((i) => p.rows[i]!.labels.includes(p.labels[c]!)),
      opts.precisionTarget ?? DEFAULT_PRECISION_TARGET,
    ),
  );
  p.labels.forEach((l, c) => {
    if (thresholds[c] === null) opts.onWarning?.(`label "${l}" cannot reach precision ${opts.precisionTarget ?? DEFAULT_PRECISION_TARGET} on held-out folds: it will never be predicted`);
  });
  const truth = rowsD.map((i) => p.rows[i]!.labels);
  const metrics = computeMetrics(p.labels, truth, rowsD.map((i) => plainDecision(p.kind, p.labels, fit.oof, i * C)));
  const thresholdMetrics = computeMetrics(p.labels, truth, rowsD.map((i) => thresholdDecision(p.kind, p.labels, fit.oof, thresholds, i * C)));
  const dense = fit.dense[d]!;
  return {
    kind: p.kind,
    labels: p.labels,
    featurizer: p.settings,
    W: Float32Array.from(dense.W),
    b: Float32Array.from(dense.b),
    thresholds,
    lambda: fit.lambda,
    loss: p.loss,
    classWeight: p.classWeight,
    heldOut: { decision: p.kind === 'single' ? 'argmax' : 'thresholds', metrics: p.kind === 'single' ? metrics : thresholdMetrics, thresholdMetrics, folds: Math.max(2, opts.folds ?? DEFAULT_INNER_FOLDS) },
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
