/**
 * Evaluation: train/test, saved model/test, k-fold and leave-one-repo-out cross-validation, all reported in one shape.
 * The headline `score` is the mean over repos of macro-F1 in per-repo mode, otherwise macro-F1.
 * Decision rule for metrics: argmax for single-label models (the usual classification setting, comparable
 * with published figures), per-label thresholds for multi-label models; the thresholded figures for
 * single-label models (what the bot actually applies) are reported alongside as `withThresholds`.
 */
import { featurize } from './featurizer';
import { stratifiedFolds, type LabeledIssue } from './dataset';
import { computeMetrics, type LabelMetrics, type Metrics } from './metrics';
import { scoreVector } from './linear-scorer';
import { argmaxAt, thresholdDecision } from './prediction';
import { trainModel, trainPerRepo, type TrainedModel, type TrainOptions } from './train';
import type { Classifier } from './types';

export interface ScoredRow {
  repo: string;
  truth: string[];
  /** Aligned with the model's labels. */
  scores: number[];
  labels: string[];
  thresholds: (number | null)[];
  kind: 'single' | 'multi';
}

export interface GroupReport {
  macroF1: number;
  accuracy: number;
  n: number;
  perLabel: Record<string, LabelMetrics>;
  unknownLabels: Record<string, number>;
  withThresholds: { macroF1: number; accuracy: number };
  /** Under the thresholds: share of issues given ≥ 1 label, and the share of applied labels that are right. */
  applied: AppliedFigures;
}

export interface AppliedFigures {
  coverage: number;
  precision: number;
}

export interface EvalReport {
  /** 'loro': leave-one-repo-out (`eval --train F --cv-by repo`), one fold per repo. */
  mode: 'train-test' | 'model-test' | 'cv' | 'loro';
  perRepo: boolean;
  /** Headline: mean per-repo macro-F1 in per-repo mode, else macro-F1. */
  score: number;
  macroF1: number;
  accuracy: number;
  n: number;
  decision: 'argmax' | 'thresholds';
  folds?: number;
  perLabel: Record<string, LabelMetrics>;
  repos: Record<string, GroupReport>;
  /** Test label occurrences unknown to the model(s): never predictable, counted as misses for accuracy. */
  unknownLabels: Record<string, number>;
  unknownLabelCount: number;
  /** Test rows whose repo has no model (per-repo mode only); they are not scored. */
  skippedRows: number;
  withThresholds: { macroF1: number; accuracy: number };
  applied: AppliedFigures;
  models?: Record<string, { lambda?: number; thresholds: Record<string, number | null>; version?: string }>;
  /** `--split time`: trained on the rows created before `cutoff`, scored on the newest `testShare`. */
  split?: { by: 'time'; testShare: number; cutoff: string; trainRows: number; testRows: number };
}

function decide(r: ScoredRow): string[] {
  if (r.kind === 'single') return [r.labels[argmaxAt(r.scores, 0, r.scores.length)]!];
  return thresholdDecision(r.kind, r.labels, r.scores, r.thresholds);
}

/**
 * Per label, under the thresholds: `precision` of the label where it is applied, `coverage` the share of rows it is
 * applied to, `recall` the share of rows carrying it that get it. What a maintainer can expect on new issues.
 */
export function appliedByLabel(
  rows: readonly ScoredRow[],
): Record<string, { applied: number; precision: number; coverage: number; recall: number; support: number }> {
  const out: Record<string, { applied: number; precision: number; coverage: number; recall: number; support: number }> =
    {};
  const labels = [...new Set(rows.flatMap((r) => r.labels))].sort();
  for (const l of labels) {
    let applied = 0;
    let correct = 0;
    let support = 0;
    for (const r of rows) {
      const hit = thresholdDecision(r.kind, r.labels, r.scores, r.thresholds).includes(l);
      const truth = r.truth.includes(l);
      if (hit) applied++;
      if (truth) support++;
      if (hit && truth) correct++;
    }
    out[l] = {
      applied,
      precision: applied ? correct / applied : 0,
      coverage: rows.length ? applied / rows.length : 0,
      recall: support ? correct / support : 0,
      support,
    };
  }
  return out;
}

/** Precision of the labels applied under the thresholds, and coverage (share of rows given at least one). */
export function appliedFigures(rows: readonly ScoredRow[]): AppliedFigures {
  let issues = 0;
  let applied = 0;
  let correct = 0;
  for (const r of rows) {
    const p = thresholdDecision(r.kind, r.labels, r.scores, r.thresholds);
    if (p.length > 0) issues++;
    applied += p.length;
    for (const l of p) if (r.truth.includes(l)) correct++;
  }
  return { coverage: rows.length ? issues / rows.length : 0, precision: applied ? correct / applied : 0 };
}

function group(rows: ScoredRow[]): GroupReport {
  const labels = [...new Set(rows.flatMap((r) => r.labels))].sort();
  const truth = rows.map((r) => r.truth);
  const m: Metrics = computeMetrics(labels, truth, rows.map(decide));
  const t = computeMetrics(
    labels,
    truth,
    rows.map((r) => thresholdDecision(r.kind, r.labels, r.scores, r.thresholds)),
  );
  // Accuracy counts rows with unknown labels as misses: the model can never get them right.
  return {
    macroF1: m.macroF1,
    accuracy: m.accuracy,
    n: m.n,
    perLabel: m.perLabel,
    unknownLabels: m.unknownLabels,
    withThresholds: { macroF1: t.macroF1, accuracy: t.accuracy },
    applied: appliedFigures(rows),
  };
}

/** Accuracy where a row is right only if its predicted set equals its full true set (unknown labels included). */
function strictAccuracy(rows: ScoredRow[]): number {
  if (rows.length === 0) return 0;
  let ok = 0;
  for (const r of rows) {
    const p = decide(r);
    if (p.length === r.truth.length && p.every((l) => r.truth.includes(l))) ok++;
  }
  return ok / rows.length;
}

export function buildReport(
  rows: ScoredRow[],
  mode: EvalReport['mode'],
  perRepo: boolean,
  skippedRows = 0,
): EvalReport {
  const byRepo = new Map<string, ScoredRow[]>();
  for (const r of rows) {
    const key = r.repo;
    const g = byRepo.get(key);
    if (g) g.push(r);
    else byRepo.set(key, [r]);
  }
  const repos: Record<string, GroupReport> = {};
  for (const key of [...byRepo.keys()].sort()) {
    const g = group(byRepo.get(key)!);
    repos[key] = { ...g, accuracy: strictAccuracy(byRepo.get(key)!) };
  }
  const all = group(rows);
  const repoList = Object.values(repos);
  const meanF1 = repoList.length ? repoList.reduce((s, g) => s + g.macroF1, 0) / repoList.length : 0;
  const unknownLabelCount = Object.values(all.unknownLabels).reduce((a, b) => a + b, 0);
  return {
    mode,
    perRepo,
    score: perRepo ? meanF1 : all.macroF1,
    macroF1: all.macroF1,
    accuracy: strictAccuracy(rows),
    n: rows.length,
    decision: rows[0]?.kind === 'multi' ? 'thresholds' : 'argmax',
    perLabel: all.perLabel,
    repos,
    unknownLabels: all.unknownLabels,
    unknownLabelCount,
    skippedRows,
    withThresholds: all.withThresholds,
    applied: all.applied,
  };
}

function scoreWith(model: TrainedModel, r: LabeledIssue): ScoredRow {
  const s = scoreVector(model, featurize(r, model.featurizer));
  return {
    repo: r.repo,
    truth: r.labels,
    scores: Array.from(s),
    labels: model.labels,
    thresholds: model.thresholds,
    kind: model.kind,
  };
}

export interface EvalOptions {
  perRepo?: boolean;
  train?: TrainOptions;
  onWarning?: (m: string) => void;
}

function modelsSummary(models: Map<string, TrainedModel>): EvalReport['models'] {
  const out: NonNullable<EvalReport['models']> = {};
  for (const [k, m] of models)
    out[k] = { lambda: m.lambda, thresholds: Object.fromEntries(m.labels.map((l, i) => [l, m.thresholds[i] ?? null])) };
  return out;
}

/** Trains (per repo or one pooled model) and scores rows; returns scored rows and the models. */
function trainAndScore(train: readonly LabeledIssue[], test: readonly LabeledIssue[], opts: EvalOptions) {
  const warn = opts.onWarning ?? (() => {});
  const trainOpts: TrainOptions = { ...opts.train, onWarning: opts.train?.onWarning ?? warn };
  const scored: ScoredRow[] = [];
  let skipped = 0;
  let models: Map<string, TrainedModel>;
  if (opts.perRepo) {
    models = trainPerRepo(train, trainOpts);
    const missing = new Map<string, number>();
    for (const r of test) {
      const m = models.get(r.repo);
      if (!m) {
        missing.set(r.repo, (missing.get(r.repo) ?? 0) + 1);
        skipped++;
        continue;
      }
      scored.push(scoreWith(m, r));
    }
    for (const [repo, n] of missing) warn(`no training rows for repo "${repo}": ${n} test row(s) skipped`);
  } else {
    const m = trainModel(train, trainOpts);
    models = new Map([['*', m]]);
    for (const r of test) scored.push(scoreWith(m, r));
  }
  return { scored, skipped, models };
}

/** `eval --train F --test F [--per-repo]` */
export function evaluateTrainTest(
  train: readonly LabeledIssue[],
  test: readonly LabeledIssue[],
  opts: EvalOptions = {},
): EvalReport & { scored: ScoredRow[] } {
  const { scored, skipped, models } = trainAndScore(train, test, opts);
  return { ...buildReport(scored, 'train-test', !!opts.perRepo, skipped), models: modelsSummary(models), scored };
}

/** `eval --train F --cv K [--per-repo]`: out-of-fold predictions over K stratified folds (by repo and labels). */
export function evaluateCv(
  rows: readonly LabeledIssue[],
  k: number,
  opts: EvalOptions & { seed?: number; onFold?: (done: number, total: number) => void } = {},
): EvalReport & { scored: ScoredRow[] } {
  if (k < 2) throw new Error('--cv needs at least 2 folds');
  const fold = stratifiedFolds(rows, k, opts.seed ?? 1, (r) => `${r.repo}\u0000${r.labels.join(',')}`);
  const scored: ScoredRow[] = [];
  let skipped = 0;
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const test = rows.filter((_, i) => fold[i] === f);
    const r = trainAndScore(train, test, opts);
    scored.push(...r.scored);
    skipped += r.skipped;
    opts.onFold?.(f + 1, k);
  }
  return { ...buildReport(scored, 'cv', !!opts.perRepo, skipped), folds: k, scored };
}

/**
 * `eval --train F --cv-by repo`: leave-one-repo-out — for each repo, train one (pooled) model on the other repos and
 * score this one. `score` = mean over held-out repos of macro-F1; `applied` = precision/coverage of the labels the
 * thresholds apply on repos the model never saw. Needs ≥ 2 repos.
 */
export function evaluateByRepo(
  rows: readonly LabeledIssue[],
  opts: EvalOptions & { onFold?: (done: number, total: number) => void } = {},
): EvalReport & { scored: ScoredRow[] } {
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  if (repos.length < 2) throw new Error('--cv-by repo needs rows from at least 2 repos');
  const scored: ScoredRow[] = [];
  const models: NonNullable<EvalReport['models']> = {};
  repos.forEach((repo, f) => {
    const r = trainAndScore(
      rows.filter((x) => x.repo !== repo),
      rows.filter((x) => x.repo === repo),
      { ...opts, perRepo: false },
    );
    scored.push(...r.scored);
    models[repo] = modelsSummary(r.models)!['*']!;
    opts.onFold?.(f + 1, repos.length);
  });
  return { ...buildReport(scored, 'loro', true), folds: repos.length, models, scored };
}

/** `eval --model DIR --test F`: scores with a loaded classifier (the real inference path). */
export async function evaluateClassifier(
  classifier: Classifier & { card: { kind: 'single' | 'multi'; thresholds: (number | null)[] } },
  test: readonly LabeledIssue[],
): Promise<EvalReport & { scored: ScoredRow[] }> {
  const preds = await classifier.predict(test);
  const labels = [...classifier.labels];
  const scored: ScoredRow[] = test.map((r, i) => {
    const byLabel = new Map(preds[i]!.scores.map((s) => [s.label, s.score]));
    return {
      repo: r.repo,
      truth: r.labels,
      scores: labels.map((l) => byLabel.get(l) ?? 0),
      labels,
      thresholds: classifier.card.thresholds,
      kind: classifier.card.kind,
    };
  });
  const report = buildReport(scored, 'model-test', false);
  return {
    ...report,
    models: {
      [classifier.version]: {
        version: classifier.version,
        thresholds: Object.fromEntries(labels.map((l, i) => [l, classifier.card.thresholds[i] ?? null])),
      },
    },
    scored,
  };
}
