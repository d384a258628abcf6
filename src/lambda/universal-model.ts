import { loadClassifier } from '../ml/onnx-classifier';
import type { Classifier } from '../ml/types';

/** The universal model for the Lambda and `npm run dev`: the ML core's ONNX classifier from a model directory. */
export function loadUniversalClassifier(dir: string): Promise<Classifier> {
  return loadClassifier(dir);
}
