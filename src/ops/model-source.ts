/**
 * Which model an operator command uses, resolved exactly as the worker does:
 * - `--bucket B` (or LABEL_BOT_BUCKET): the GCS registry, repo → org → universal, with the bundled model last;
 * - `--model DIR`: a local model directory (e.g. one just trained, before it is published);
 * - neither: the bundled universal model (BUNDLED_MODEL_DIR, default the package's own `models/universal`, wherever
 *   the command is run from), as the Lambda uses.
 */
import { Storage } from '@google-cloud/storage';
import type { ModelSource } from '../vocabulary';
import type { Logger } from '../log/logger';
import type { Classifier } from '../ml/types';
import { packagePath } from '../package-root';
import { GcsModelStore, ModelRegistry, type ArtifactLoader } from '../registry';

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
  bucket?: string;
  bundledDir?: string;
  loaders: ModelLoaders;
  storage?: Storage;
  log?: Logger;
}

const DEFAULT_BUNDLED_DIR = packagePath('models/universal');

export async function chooseModel(opts: ModelSourceOptions): Promise<ChosenModel> {
  if (opts.modelDir && opts.bucket) throw new Error('pass either --model or --bucket, not both');
  const bundledDir = opts.bundledDir ?? DEFAULT_BUNDLED_DIR;
  if (opts.modelDir) {
    return { classifier: await opts.loaders.loadDir(opts.modelDir), source: 'repo', origin: opts.modelDir };
  }
  if (opts.bucket) {
    const registry = new ModelRegistry({
      store: new GcsModelStore(opts.storage ?? new Storage(), opts.bucket),
      loader: opts.loaders.fromArtifacts,
      bundledFallback: () => opts.loaders.loadDir(bundledDir),
      ...(opts.log ? { log: opts.log } : {}),
    });
    const resolved = await registry.resolve(opts.owner, opts.repo);
    return {
      classifier: resolved.classifier,
      // Same mapping as the worker (gcp-worker/src/process-message.ts).
      source: resolved.source === 'repo' || resolved.source === 'org' ? 'repo' : 'universal',
      origin: `gs://${opts.bucket} (${resolved.scope})`,
    };
  }
  return { classifier: await opts.loaders.loadDir(bundledDir), source: 'universal', origin: bundledDir };
}
