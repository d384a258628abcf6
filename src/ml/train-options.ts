/**
 * What a caller can ask of the trainer: TrainOptions, their defaults, and the resolution of the featurizer settings
 * they name (validated the same way model loading validates them).
 *
 * Kept apart from the training code so the CLI, scripts and benchmarks can build options without importing the
 * trainer, and so every default sits in one place (docs/ml.md lists them).
 */
import { checkFeaturizerSettings, DEFAULT_FEATURIZER_SETTINGS, type FeaturizerSettings } from './featurizer-settings';

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
