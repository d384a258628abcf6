/** The ML core's loaders, as the worker uses them (artifacts from GCS; the bundled universal model from disk). */
import { classifierFromArtifacts, loadClassifier } from '../../src/ml/onnx-classifier';
import type { Classifier } from '../../src/ml/types';
import type { ArtifactLoader } from '../../src/registry';

export function artifactLoader(): ArtifactLoader {
  return (onnx, modelJson, source) => classifierFromArtifacts(onnx, modelJson, source);
}

export function loadBundledModel(dir: string): Promise<Classifier> {
  return loadClassifier(dir);
}
