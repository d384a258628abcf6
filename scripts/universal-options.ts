/**
 * The options the committed universal model is trained with. Shared by `npm run train:universal` and the bench's
 * training part, so the bench times exactly the training that rebuilds the model.
 */
import type { TrainOptions } from '../src/ml/train';

/** 2026-11-22T00:00:00Z: created_at of the committed model unless SOURCE_DATE_EPOCH is exported. */
export const UNIVERSAL_SOURCE_DATE_EPOCH = '1795305600';

export const UNIVERSAL_OPTIONS: TrainOptions = {
  seed: 1,
  folds: 3,
};
