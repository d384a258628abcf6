/**
 * Model selection by leave-one-repo-out (LORO) cross-validation, for the universal model (issue #14).
 *
 * The universal model labels issues of repos it has never seen, so its options are chosen the way it is used:
 * each fold holds out one whole repo, the model is trained on the others, and the criterion is the mean over
 * held-out repos of macro-F1. In-repo (stratified) CV rewards what a repo's own issues share — its templates —
 * and on NLBSE picked settings that lose 0.17 macro-F1 on unseen repos (0.774 in-repo vs 0.605 LORO).
 *
 * What is chosen here (TrainOptions with `cvBy: 'repo'`): λ, loss, title weight and the loss weight of the
 * title-only training copies (augment.ts). The out-of-fold scores of the chosen setting are LORO scores, so the
 * thresholds chosen from them (Kubeflow rule, heldOut in model-selection.ts) hold their precision on unseen repos; the check
 * `unseenRepoCheck` measures that on each repo with thresholds chosen from the other repos only.
 *
 * Documents: every row as written (what is scored), optionally its repo-cleaned form (trained on instead) and its
 * title-only copy (trained on in addition). One Gram matrix per title scale over all documents (title-scale.ts);
 * each fold fits on the training repos' documents and scores the held-out repo's rows as written. The trainer
 * (train.ts) calls selectByRepo in place of model-selection.ts's crossValidate.
 */
import { trainingDocs, type TrainingDoc } from './augment';
import type { LabeledIssue } from './dataset';
import { featurize } from './featurizer';
import { scaledTitleSettings, type FeaturizerSettings } from './featurizer-settings';
import { dualScores, fitDualPath, gramMatrix, primalWeights, subGram, type DualWeights } from './kernel-fit';
import type { ModelKind, Targets } from './linear';
import { scoreSparseInto, scoresInto } from './linear-scorer';
import { fitNbPath, nbOptions, type NbModel } from './nb-scaling';
import type { SparseVector } from './sparse-vector';
import type { Selection } from './model-selection';
import { DEFAULT_PRECISION_TARGET } from './thresholds';
import { combineTitleGram, titleRestGrams } from './title-scale';
import { subsetTargets, type Prepared } from './training-data';
import { meanRepoMacroF1, unseenRepoCheck, type UnseenRepoCheck } from './unseen-repos';
import {
  AUTO_LOSSES,
  DEFAULT_LAMBDAS,
  DEFAULT_TITLE_SCALES,
  type ClassWeight,
  type TrainLoss,
  type TrainOptions,
} from './train-options';

/** Grouped CV needs at least this many repos (train on ≥ 2, hold out 1); with fewer the trainer falls back. */
export const MIN_REPOS_FOR_GROUPED_CV = 3;
/** Loss weights of the title-only copies tried by LORO when TrainOptions.titleOnlyWeights is not given. */
export const DEFAULT_TITLE_ONLY_WEIGHTS = [0];

/** Fold of each row = index of its repo in the sorted repo list; null when there are fewer than 3 repos. */
export function repoFolds(rows: readonly { repo: string }[]): { fold: Int32Array; repos: string[] } | null {
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  if (repos.length < MIN_REPOS_FOR_GROUPED_CV) return null;
  const id = new Map(repos.map((r, i) => [r, i]));
  return { fold: Int32Array.from(rows, (r) => id.get(r.repo)!), repos };
}

export interface GroupedInput {
  rows: readonly LabeledIssue[];
  labels: string[];
  kind: ModelKind;
  targets: Targets;
  settings: FeaturizerSettings;
  classWeight: ClassWeight;
}

export interface GroupedOptions {
  lambdas: number[];
  titleScales: number[];
  losses: readonly TrainLoss[];
  /** Candidate loss weights of the title-only copies (0 = no copies); chosen by LORO with the rest. */
  titleOnlyWeights?: number[];
  /** Train on rows with lines recurring in ≥ this share of their repo's issues removed (augment.ts). */
  stripRecurringLines?: number;
  /**
   * Share in [0, 1] of the selection criterion given to the held-out repos' issues read title-only (TrainOptions
   * titleOnlyObjective); 0 = the issues as written only.
   */
  titleOnlyObjective?: number;
  /** Fit without intercepts (TrainOptions.intercept false). */
  noBias?: boolean;
  /** NB-scaled features (nb-scaling.ts): smoothing α candidates chosen by LORO with the rest; absent = off. */
  nbAlphas?: number[];
  /** NB interpolation β in (0, 1] (nb-scaling.ts; 1 = none). */
  nbBeta?: number;
  precisionTarget: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GroupedFit {
  /** LORO out-of-fold scores of the chosen setting, [rows × labels]. */
  oof: Float64Array;
  lambda: number;
  loss: TrainLoss;
  titleScale: number;
  titleOnlyWeight: number;
  /** Chosen NB smoothing α (only with GroupedOptions.nbAlphas). */
  nbAlpha?: number;
  /** Featurizer settings with the chosen title scale (what the exported model uses). */
  settings: FeaturizerSettings;
  W: Float64Array;
  b: Float64Array;
  folds: number;
  unseen: UnseenRepoCheck;
  /** Mean LORO macro-F1 of the chosen setting on the held-out repos' issues read title-only (when measured). */
  titleOnlyMeanMacroF1?: number;
}

/** n / (classes present · rows of the class) per row (single-label, balanced), else all 1. */
function classWeights(t: Targets, balanced: boolean): Float64Array {
  const n = t.kind === 'single' ? t.classOf!.length : t.multi!.length / t.nClasses;
  if (!balanced || t.kind !== 'single') return new Float64Array(n).fill(1);
  const counts = new Float64Array(t.nClasses);
  for (const c of t.classOf!) counts[c]! += 1;
  const present = counts.filter((x) => x > 0).length;
  return Float64Array.from(t.classOf!, (c) => n / (present * counts[c]!));
}

/** Loss weights of the training documents `idx`, scaled to mean 1 (λ keeps its scale); undefined when all equal. */
function docWeights(
  docs: readonly TrainingDoc[],
  idx: readonly number[],
  classW: Float64Array,
  titleOnlyWeight: number,
): Float64Array | undefined {
  const w = Float64Array.from(
    idx,
    (d) => classW[docs[d]!.row]! * (docs[d]!.form === 'titleOnly' ? titleOnlyWeight : 1),
  );
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  for (let i = 0; i < w.length; i++) w[i]! /= mean;
  return w.every((x) => Math.abs(x - 1) < 1e-15) ? undefined : w;
}

/** Fits λ largest first (warm starts) on the documents `idx` of the Gram matrix K (D×D). */
function fitDocPath(
  K: Float64Array,
  D: number,
  idx: number[],
  y: Targets,
  lambdas: number[],
  loss: TrainLoss,
  rowWeights: Float64Array | undefined,
  noBias = false,
): DualWeights[] {
  const Ks = idx.length === D ? K : subGram(K, D, idx);
  return fitDualPath(Ks, idx.length, y, lambdas, {
    loss: loss === 'sqhinge' ? 'sqhinge' : 'default',
    ...(rowWeights ? { rowWeights } : {}),
    ...(noBias ? { noBias } : {}),
  });
}

/**
 * LORO model selection and the final fit. Candidates: title scale × title-only weight × loss × λ (in that order;
 * ties keep the first, λ largest first). Returns the chosen setting, its LORO out-of-fold scores, the dense weights
 * fitted on all rows, and the unseen-repo threshold check.
 */
export function crossValidateByRepo(input: GroupedInput, opts: GroupedOptions): GroupedFit {
  const folds = repoFolds(input.rows);
  if (!folds)
    throw new Error(`grouped (leave-one-repo-out) CV needs rows from at least ${MIN_REPOS_FOR_GROUPED_CV} repos`);
  const { fold, repos } = folds;
  const { rows, labels, kind } = input;
  const n = rows.length;
  const C = labels.length;
  const lambdas = [...opts.lambdas].sort((a, b) => b - a);
  const titleOnlyWeights = opts.titleOnlyWeights ?? DEFAULT_TITLE_ONLY_WEIGHTS;
  const objective = opts.titleOnlyObjective ?? 0;
  if (!(objective >= 0 && objective <= 1)) throw new Error(`titleOnlyObjective must be in [0, 1], got ${objective}`);
  // Title-only documents exist when they are trained on or scored: the title-only read of a held-out issue is
  // scored whenever the criterion (or the figure in model.json) needs it.
  const docs = trainingDocs(rows, {
    titleOnly: titleOnlyWeights.some((w) => w > 0) || objective > 0,
    stripRecurringLines: opts.stripRecurringLines,
  });
  /** Document id of each row's title-only copy, or -1 (no copies). */
  const titleDoc = new Int32Array(rows.length).fill(-1);
  docs.forEach((d, i) => {
    if (d.form === 'titleOnly') titleDoc[d.row] = i;
  });
  const scoreTitleOnly = objective > 0;
  const D = docs.length;
  const cleaned = docs.some((d) => d.form === 'cleaned');
  /** Documents trained on for a row: its cleaned form (if any) instead of the row as written, plus its title copy. */
  const trainsOn = (d: TrainingDoc) => (d.form === 'row' ? !cleaned : true);
  const classW = classWeights(input.targets, input.classWeight === 'balanced');

  // Title / rest parts over all documents (title-scale.ts), so every title scale reuses two Gram matrices. NB scaling
  // (per class and fold) works on the documents' vectors at each title scale instead.
  const nb = opts.nbAlphas && opts.nbAlphas.length > 0 ? opts.nbAlphas : undefined;
  const nbFit = (
    vectors: readonly SparseVector[],
    idx: number[],
    y: Targets,
    ls: number[],
    loss: TrainLoss,
    tw: number,
    alpha: number,
  ): NbModel[] =>
    fitNbPath(vectors, idx, y, {
      lambdas: ls,
      loss,
      alpha,
      ...(opts.nbBeta !== undefined ? { beta: opts.nbBeta } : {}),
      ...(opts.noBias ? { noBias: true } : {}),
      rowWeights: docWeights(docs, idx, classW, tw),
      dim: input.settings.dim,
    });
  const parts = nb ? undefined : titleRestGrams(docs, input.settings);
  const alphas: (number | undefined)[] = nb ?? [undefined];

  const total =
    opts.titleScales.length * titleOnlyWeights.length * opts.losses.length * alphas.length * repos.length + 1;
  let done = 0;
  let best: {
    score: number;
    lambda: number;
    scale: number;
    tw: number;
    loss: TrainLoss;
    alpha?: number;
    oof: Float64Array;
    titleOnly?: number;
  } | null = null;
  for (const scale of opts.titleScales) {
    const K = parts ? combineTitleGram(parts, scale) : new Float64Array(0);
    const scaledSettings = scaledTitleSettings(input.settings, scale);
    const vectors = nb ? docs.map((d) => featurize(d, scaledSettings)) : [];
    for (const tw of titleOnlyWeights) {
      for (const loss of opts.losses) {
        for (const alpha of alphas) {
          const oofs = lambdas.map(() => new Float64Array(n * C));
          const titleOofs = scoreTitleOnly ? lambdas.map(() => new Float64Array(n * C)) : [];
          for (let f = 0; f < repos.length; f++) {
            const idx = [...docs.keys()].filter(
              (d) => fold[docs[d]!.row] !== f && trainsOn(docs[d]!) && (docs[d]!.form !== 'titleOnly' || tw > 0),
            );
            const test = [...rows.keys()].filter((i) => fold[i] === f);
            const y = subsetTargets(
              input.targets,
              idx.map((d) => docs[d]!.row),
            );
            const z = new Float64Array(C);
            // One scorer per λ: writes a document's scores (the readout of the model kind) at out[off …].
            const scorers: ((doc: number, out: Float64Array, off: number) => void)[] =
              alpha !== undefined
                ? nbFit(vectors, idx, y, lambdas, loss, tw, alpha).map(
                    (m) => (doc, out, off) => scoreSparseInto(kind, m.W, m.b, C, vectors[doc]!, out, off),
                  )
                : fitDocPath(K, D, idx, y, lambdas, loss, docWeights(docs, idx, classW, tw), opts.noBias).map(
                    (dw) => (doc, out, off) => {
                      dualScores(K, D, idx, dw, doc, z);
                      scoresInto(kind, z, out, off, C);
                    },
                  );
            scorers.forEach((score, li) => {
              for (const i of test) {
                // Document i is row i as written; titleDoc[i] is the same issue read title-only.
                score(i, oofs[li]!, i * C);
                if (scoreTitleOnly) score(titleDoc[i]!, titleOofs[li]!, i * C);
              }
            });
            opts.onProgress?.(++done, total);
          }
          lambdas.forEach((lambda, li) => {
            const asWritten = meanRepoMacroF1(labels, kind, rows, fold, repos.length, oofs[li]!).mean;
            const titleOnly = scoreTitleOnly
              ? meanRepoMacroF1(labels, kind, rows, fold, repos.length, titleOofs[li]!).mean
              : undefined;
            const score = (1 - objective) * asWritten + objective * (titleOnly ?? 0);
            if (!best || score > best.score + 1e-12)
              best = {
                score,
                lambda,
                scale,
                tw,
                loss,
                ...(alpha !== undefined ? { alpha } : {}),
                oof: oofs[li]!,
                ...(titleOnly !== undefined ? { titleOnly } : {}),
              };
          });
        }
      }
    }
  }
  const chosen = best!;

  // Final fit on every repo, on the exact vectors of the chosen settings (what the exported model computes).
  const settings = scaledTitleSettings(input.settings, chosen.scale);
  const idx = [...docs.keys()].filter((d) => trainsOn(docs[d]!) && (docs[d]!.form !== 'titleOnly' || chosen.tw > 0));
  const vectors = idx.map((d) => featurize(docs[d]!, settings));
  const y = subsetTargets(
    input.targets,
    idx.map((d) => docs[d]!.row),
  );
  const fitted =
    chosen.alpha !== undefined
      ? nbFit(vectors, [...idx.keys()], y, [chosen.lambda], chosen.loss, chosen.tw, chosen.alpha)[0]!
      : denseFit();
  opts.onProgress?.(total, total);
  return {
    oof: chosen.oof,
    lambda: chosen.lambda,
    loss: chosen.loss,
    titleScale: chosen.scale,
    titleOnlyWeight: chosen.tw,
    ...(chosen.alpha !== undefined ? { nbAlpha: chosen.alpha } : {}),
    settings,
    W: fitted.W,
    b: fitted.b,
    folds: repos.length,
    unseen: unseenRepoCheck(labels, kind, rows, fold, repos, chosen.oof, opts.precisionTarget),
    ...(chosen.titleOnly !== undefined ? { titleOnlyMeanMacroF1: chosen.titleOnly } : {}),
  };

  /** The plain (unscaled) final fit in dual form, collapsed to dense weights. */
  function denseFit(): NbModel {
    const K = gramMatrix(vectors);
    const dw = fitDocPath(
      K,
      idx.length,
      [...idx.keys()],
      y,
      [chosen.lambda],
      chosen.loss,
      docWeights(docs, idx, classW, chosen.tw),
      opts.noBias,
    )[0]!;
    const W = primalWeights(vectors, dw.A, C, settings.dim);
    return { W, b: Float64Array.from(dw.b) };
  }
}

/** What a LORO selection adds to a Selection: folds (= repos), the unseen-repo check, the title-only copy weight. */
export interface RepoSelectionExtras {
  folds: number;
  unseenRepos: UnseenRepoCheck;
  titleOnlyWeight: number;
  /** Chosen NB smoothing α (TrainOptions.nbScaling). */
  nbAlpha?: number;
}

/**
 * TrainOptions.cvBy 'repo' on a Prepared problem: LORO selection and final fit, in the shape crossValidate returns.
 * Leaves p holding the chosen loss and featurizer settings (what the exported model computes).
 */
export function selectByRepo(p: Prepared, opts: TrainOptions): Selection & RepoSelectionExtras {
  const g = crossValidateByRepo(
    {
      rows: p.rows,
      labels: p.labels,
      kind: p.kind,
      targets: p.targets,
      settings: p.settings,
      classWeight: p.classWeight,
    },
    {
      lambdas: opts.lambdas ?? DEFAULT_LAMBDAS,
      titleScales: opts.titleScales ?? DEFAULT_TITLE_SCALES,
      losses: opts.loss === undefined || opts.loss === 'auto' ? AUTO_LOSSES : [opts.loss],
      ...(opts.titleOnlyWeights ? { titleOnlyWeights: opts.titleOnlyWeights } : {}),
      ...(opts.stripRecurringLines ? { stripRecurringLines: opts.stripRecurringLines } : {}),
      ...(opts.titleOnlyObjective ? { titleOnlyObjective: opts.titleOnlyObjective } : {}),
      ...(opts.intercept === false ? { noBias: true } : {}),
      ...nbOptions(opts),
      precisionTarget: opts.precisionTarget ?? DEFAULT_PRECISION_TARGET,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
  );
  p.settings = g.settings;
  p.loss = g.loss;
  return {
    oof: g.oof,
    lambda: g.lambda,
    dense: [{ W: g.W, b: g.b }],
    folds: g.folds,
    unseenRepos: {
      ...g.unseen,
      ...(g.titleOnlyMeanMacroF1 !== undefined ? { titleOnlyMeanMacroF1: g.titleOnlyMeanMacroF1 } : {}),
    },
    titleOnlyWeight: g.titleOnlyWeight,
    ...(g.nbAlpha !== undefined ? { nbAlpha: g.nbAlpha } : {}),
  };
}
