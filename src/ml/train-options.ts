/**
 * What a caller can ask of the trainer: TrainOptions, their defaults, and the resolution of the featurizer settings
 * they name (validated the same way model loading validates them).
 *
 * Kept apart from the training code so the CLI, scripts and benchmarks can build options without importing the
 * trainer, and so every default sits in one place (docs/ml.md lists them).
 */
import { checkFeaturizerSettings, DEFAULT_FEATURIZER_SETTINGS, type FeaturizerSettings } from './featurizer-settings';

export interface TrainOptions {
  featurizer?: Partial<Omit<FeaturizerSettings, 'weights' | 'version'>> & {
    weights?: Partial<FeaturizerSettings['weights']>;
  };
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
  // --- Universal model (issue #14; src/ml/grouped-cv.ts, src/ml/augment.ts) ---
  /**
   * 'stratified' (default): internal CV over stratified folds of the rows. 'repo': leave-one-repo-out — each fold is
   * one whole repo (needs ≥ 3 repos, else falls back to stratified with a warning); λ, loss, title weight and the
   * title-only copy weight are chosen by the mean over held-out repos of macro-F1, and thresholds come from those
   * out-of-fold scores. For a model that labels repos it has never seen.
   */
  cvBy?: CvBy;
  /** cvBy 'repo' only: loss weights of title-only training copies tried by LORO (0 = none; default [0]). */
  titleOnlyWeights?: number[];
  /**
   * cvBy 'repo' only: share in [0, 1] of the selection criterion given to the held-out repos' issues read title-only
   * (body emptied), the rest to the issues as written (default 0). Terse reports ("App crashes on start") are a
   * real share of what a new repo files; this makes LORO choose a setting that also reads them right, on repos it
   * never saw, and records that figure (model.json unseenRepos.titleOnlyMeanMacroF1).
   */
  titleOnlyObjective?: number;
  /** cvBy 'repo' only: train on rows without the lines recurring in ≥ this share of their repo's issues. */
  stripRecurringLines?: number;
  /**
   * cvBy 'repo' only; default true. false: no intercepts. Fitted on full issues, the intercepts encode how much
   * evidence each class's issues usually carry; on a terse title-only issue they then decide alone (issue #14:
   * "App crashes on start" → question). Without them LORO macro-F1 is unchanged and short reports read right.
   */
  intercept?: boolean;
  /**
   * cvBy 'repo' only; default off. NB-scaled features (NBSVM, src/ml/nb-scaling.ts): each one-vs-rest class scales
   * feature j by its log-count ratio on the fit's training documents, folded into the exported weights. true = α 1;
   * a list = smoothing α candidates chosen by LORO with λ, loss and the rest.
   */
  nbScaling?: boolean | number[];
  /** With nbScaling: the paper's interpolation w = (1 − β)·mean|w| + β·w, β in (0, 1] (default 1: none). */
  nbInterpolation?: number;
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export type TrainLoss = 'sqhinge' | 'logistic';
/** Losses the internal CV tries when TrainOptions.loss is 'auto' (in this order: ties keep the first). */
export const AUTO_LOSSES: readonly TrainLoss[] = ['sqhinge', 'logistic'];
export type ClassWeight = 'none' | 'balanced';
/** How internal CV forms its folds: stratified over rows, or one fold per repo (leave-one-repo-out, grouped-cv.ts). */
export type CvBy = 'stratified' | 'repo';
/** Internal CV folds for choosing λ and the title weight, and for the out-of-fold scores thresholds come from. */
export const DEFAULT_INNER_FOLDS = 3;
export const DEFAULT_LAMBDAS = [1e-3, 1e-4, 1e-5, 1e-6];
/** Title weights tried by internal CV, as multiples of the settings' titleWords/titleChars weights. */
export const DEFAULT_TITLE_SCALES = [0.5, 1, 2, 4];
/** Labels with fewer training rows are dropped (TrainOptions.minExamples). */
export const DEFAULT_MIN_EXAMPLES = 5;

/** The internal-CV fold count actually used (at least 2). */
export function innerFolds(opts: TrainOptions): number {
  return Math.max(2, opts.folds ?? DEFAULT_INNER_FOLDS);
}

/** TrainOptions.featurizer over the defaults, validated; throws on invalid settings. */
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
