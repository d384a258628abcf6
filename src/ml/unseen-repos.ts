/**
 * What leave-one-repo-out promises on repos a model has never seen (issue #14): per held-out repo, macro-F1 of the
 * out-of-fold scores and, under thresholds chosen from the *other* repos' out-of-fold scores only, the precision of the
 * labels applied and the coverage (share of issues given a label). Used by the grouped CV (grouped-cv.ts) to choose
 * and to report, and by `label-bot eval --cv-by repo` through the model card.
 */
import type { LabeledIssue } from './dataset';
import type { ModelKind } from './linear';
import { computeMetrics } from './metrics';
import { argmaxAt, plainDecision, predictedIndices } from './prediction';
import { chooseThreshold } from './thresholds';

export interface RepoFigures {
  n: number;
  macroF1: number;
  /** Under thresholds chosen from the other repos' out-of-fold scores: share of rows given a label… */
  coverage: number;
  /** …and the share of applied labels that are right. */
  precision: number;
}

export interface UnseenRepoCheck {
  precisionTarget: number;
  /** Mean over repos of macro-F1 (argmax for single-label), the selection criterion. */
  meanMacroF1: number;
  /** Pooled over repos: precision of applied labels and coverage (share of issues given a label). */
  precision: number;
  coverage: number;
  perRepo: Record<string, RepoFigures>;
  /**
   * Mean over repos of macro-F1 on the same held-out issues read title-only (empty body), when the selection
   * measured it (TrainOptions.titleOnlyObjective > 0): how terse reports of unseen repos fare.
   */
  titleOnlyMeanMacroF1?: number;
}

/** Mean over repos (folds) of macro-F1 of the out-of-fold scores, and the per-repo figures. */
export function meanRepoMacroF1(
  labels: string[],
  kind: ModelKind,
  rows: readonly LabeledIssue[],
  fold: Int32Array,
  nFolds: number,
  oof: ArrayLike<number>,
): { mean: number; perRepo: number[] } {
  const C = labels.length;
  const perRepo: number[] = [];
  for (let f = 0; f < nFolds; f++) {
    const idx = [...rows.keys()].filter((i) => fold[i] === f);
    const m = computeMetrics(
      labels,
      idx.map((i) => rows[i]!.labels),
      idx.map((i) => plainDecision(kind, labels, oof, i * C)),
    );
    perRepo.push(m.macroF1);
  }
  return { mean: perRepo.reduce((a, b) => a + b, 0) / Math.max(1, nFolds), perRepo };
}

/**
 * Per-label thresholds (Kubeflow rule) from the scores of rows `idx`. Single-label: each label's threshold is chosen on
 * the rows where it is the top label (the served decision, predictedIndices).
 */
export function thresholdsFrom(
  labels: string[],
  kind: ModelKind,
  rows: readonly LabeledIssue[],
  scores: ArrayLike<number>,
  idx: readonly number[],
  target: number,
): (number | null)[] {
  const C = labels.length;
  return labels.map((l, c) => {
    const cand = kind === 'single' ? idx.filter((i) => argmaxAt(scores, i * C, C) === c) : [...idx];
    return chooseThreshold(
      cand.map((i) => scores[i * C + c]!),
      cand.map((i) => rows[i]!.labels.includes(l)),
      target,
    );
  });
}

/** Applied labels under thresholds on rows `idx`: how many issues get ≥ 1 label, how many labels, how many right. */
export function appliedLabels(
  labels: string[],
  kind: ModelKind,
  rows: readonly LabeledIssue[],
  scores: ArrayLike<number>,
  idx: readonly number[],
  thresholds: readonly (number | null)[],
) {
  const C = labels.length;
  let issues = 0;
  let applied = 0;
  let correct = 0;
  for (const i of idx) {
    const p = predictedIndices(kind, scores, thresholds, i * C);
    if (p.length > 0) issues++;
    applied += p.length;
    for (const c of p) if (rows[i]!.labels.includes(labels[c]!)) correct++;
  }
  return {
    n: idx.length,
    issues,
    applied,
    correct,
    coverage: idx.length ? issues / idx.length : 0,
    precision: applied ? correct / applied : 0,
  };
}

/**
 * For each repo: thresholds chosen from the OTHER repos' out-of-fold scores, applied to this repo's — how the
 * shipped thresholds behave on a repo that took no part in choosing them.
 */
export function unseenRepoCheck(
  labels: string[],
  kind: ModelKind,
  rows: readonly LabeledIssue[],
  fold: Int32Array,
  repos: readonly string[],
  oof: ArrayLike<number>,
  target: number,
): UnseenRepoCheck {
  const { mean, perRepo: f1 } = meanRepoMacroF1(labels, kind, rows, fold, repos.length, oof);
  const perRepo: Record<string, RepoFigures> = {};
  let issues = 0;
  let applied = 0;
  let correct = 0;
  repos.forEach((repo, f) => {
    const mine = [...rows.keys()].filter((i) => fold[i] === f);
    const others = [...rows.keys()].filter((i) => fold[i] !== f);
    const a = appliedLabels(labels, kind, rows, oof, mine, thresholdsFrom(labels, kind, rows, oof, others, target));
    issues += a.issues;
    applied += a.applied;
    correct += a.correct;
    perRepo[repo] = { n: a.n, macroF1: f1[f]!, coverage: a.coverage, precision: a.precision };
  });
  return {
    precisionTarget: target,
    meanMacroF1: mean,
    precision: applied ? correct / applied : 0,
    coverage: rows.length ? issues / rows.length : 0,
    perRepo,
  };
}
