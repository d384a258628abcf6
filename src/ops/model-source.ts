/**
 * Which model an operator command uses, resolved exactly as the worker does:
 * - `--bucket B` (or LABEL_BOT_BUCKET): the GCS registry, repo → org → universal, with the bundled model last;
 * - `--model DIR`: a local model directory (e.g. one just trained, before it is published);
 * - neither: the bundled universal model (BUNDLED_MODEL_DIR, default the package's own `models/universal`, wherever
 *   the command is run from), as the Lambda uses.
 */
import type { ModelSource } from '../vocabulary';
import type { Logger } from '../log/logger';
import type { Classifier } from '../ml/types';
import { packagePath } from '../package-root';
import { ModelRegistry, type ArtifactLoader, type GcsModelStore } from '../registry';

export interface ModelLoaders {
  /** The ML core's `loadClassifier(dir)`. */
  loadDir(dir: string): Promise<Classifier>;
  /** The ML core's `classifierFromArtifacts`, as the worker passes it to the registry. */
  fromArtifacts: ArtifactLoader;
}

export interface ChosenModel {
  classifier: Classifier;
  /** What the labeler logs: `repo` for repo/org/local models, `universal` otherwise. */
  source: ModelSource;
  /** Human-readable origin for the run header, e.g. `gs://b (acme/*)` or `./models/acme`. */
  origin: string;
}

export interface ModelSourceOptions {
  owner: string;
  repo: string;
  modelDir?: string;
  /** The registry bucket's store (`storeFromCli`: its retries say so on stderr and end with the cause). */
  store?: GcsModelStore;
  bundledDir?: string;
  loaders: ModelLoaders;
  log?: Logger;
}

const DEFAULT_BUNDLED_DIR = packagePath('models/universal');

export async function chooseModel(opts: ModelSourceOptions): Promise<ChosenModel> {
  if (opts.modelDir && opts.store) throw new Error('pass either --model or --bucket, not both');
  const bundledDir = opts.bundledDir ?? DEFAULT_BUNDLED_DIR;
  if (opts.modelDir) {
    return { classifier: await opts.loaders.loadDir(opts.modelDir), source: 'repo', origin: opts.modelDir };
  }
  if (opts.store) {
    const registry = new ModelRegistry({
      store: opts.store,
      loader: opts.loaders.fromArtifacts,
      bundledFallback: () => opts.loaders.loadDir(bundledDir),
      ...(opts.log ? { log: opts.log } : {}),
    });
    const resolved = await registry.resolve(opts.owner, opts.repo);
    return {
      classifier: resolved.classifier,
      // Same mapping as the worker (gcp-worker/src/process-message.ts).
      source: resolved.source === 'repo' || resolved.source === 'org' ? 'repo' : 'universal',
      origin: `gs://${opts.store.bucketName} (${resolved.scope})`,
    };
  }
  return { classifier: await opts.loaders.loadDir(bundledDir), source: 'universal', origin: bundledDir };
}
