/**
 * The options the committed universal model is trained with. Shared by `npm run train:universal` and the bench's
 * training part, so the bench times exactly the training that rebuilds the model.
 *
 * The recipe itself lives in src/ml/universal.ts (UNIVERSAL_TRAIN_OPTIONS: leave-one-repo-out selection, featurizer
 * version 3 settings, no intercepts), shared with `label-bot eval --cv-by repo`, so the model and its
 * leave-one-repo-out figure cannot drift apart. Only the seed recorded in model.json, and the inner folds used if
 * the data ever had fewer than 3 repos, are added here.
 */
import type { TrainOptions } from '../src/ml/train-options';
import { UNIVERSAL_TRAIN_OPTIONS } from '../src/ml/universal';

/** 2026-11-22T00:00:00Z: created_at of the committed model unless SOURCE_DATE_EPOCH is exported. */
export const UNIVERSAL_SOURCE_DATE_EPOCH = '1795305600';

export const UNIVERSAL_OPTIONS: TrainOptions = {
  seed: 1,
  folds: 3,
  ...UNIVERSAL_TRAIN_OPTIONS,
};
