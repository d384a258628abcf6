/** The ML core's model loaders, wired for the ops commands. */
import type { ModelLoaders } from './model-source';

export async function defaultModelLoaders(): Promise<ModelLoaders> {
  // Replaced by the ML core's loadClassifier / classifierFromArtifacts once they land (issue 2).
  throw new Error('model loading is not available yet: the ML core has not landed loadClassifier');
}
