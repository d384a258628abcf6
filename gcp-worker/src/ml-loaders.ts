/** The ML core's loaders, as the worker uses them (artifacts from GCS; the bundled universal model from disk). */
import type { Classifier } from '../../src/ml/types';
import type { ArtifactLoader } from '../../src/registry';

export async function artifactLoader(): Promise<ArtifactLoader> {
  // Replaced by the ML core's classifierFromArtifacts once it lands (issue 2).
  throw new Error('model loading is not available yet: the ML core has not landed classifierFromArtifacts');
}

export async function loadBundledModel(dir: string): Promise<Classifier> {
  throw new Error(`model loading is not available yet (bundled model ${dir})`);
}
