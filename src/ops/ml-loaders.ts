/** The ML core's model loaders, as the worker wires them (directory → loadClassifier, GCS bytes → classifierFromArtifacts). */
import type { ModelLoaders } from './model-source';

export async function defaultModelLoaders(): Promise<ModelLoaders> {
  // Imported lazily: onnxruntime-node is heavy, and `report` never needs a model.
  const { classifierFromArtifacts, loadClassifier } = await import('../ml/onnx-classifier');
  return { loadDir: loadClassifier, fromArtifacts: classifierFromArtifacts };
}
