import { createHash } from 'node:crypto';
import type { Storage, Bucket } from '@google-cloud/storage';
import { ModelCorruptError, StoreUnavailableError, isHashMismatch, isNotFound, isStoreUnavailable } from './errors';
import { MODEL_FILES, POINTER_FILE, pointerPath, scopePrefix, versionPrefix, type ModelScope } from './layout';
import { parsePointer, type ModelPointer } from './pointer';

export interface PointerRead {
  pointer: ModelPointer;
  /** GCS generation of current.json, for compare-and-swap updates. */
  generation: string;
}

export interface ModelArtifacts {
  onnx: Buffer;
  modelJson: unknown;
  /** Total bytes held in memory for this model (cache accounting). */
  bytes: number;
  sha256: string;
}

/** Storage operations the registry and the CLI need, on one GCS bucket (or any endpoint that speaks the GCS JSON API). */
export class GcsModelStore {
  readonly bucket: Bucket;

  constructor(
    storage: Storage,
    readonly bucketName: string,
  ) {
    this.bucket = storage.bucket(bucketName);
  }

  private async download(path: string): Promise<Buffer | null> {
    try {
      const [data] = await this.bucket.file(path).download();
      return data;
    } catch (err) {
      if (isNotFound(err)) return null;
      if (isHashMismatch(err))
        throw new ModelCorruptError(`gs://${this.bucketName}/${path}`, 'download failed its checksum', { cause: err });
      if (isStoreUnavailable(err))
        throw new StoreUnavailableError(`GCS unavailable reading gs://${this.bucketName}/${path}`, { cause: err });
      throw err;
    }
  }

  async readPointer(scope: ModelScope): Promise<PointerRead | null> {
    const path = pointerPath(scope);
    let generation: string;
    let text: string;
    try {
      const file = this.bucket.file(path);
      const [meta] = await file.getMetadata();
      generation = String(meta.generation);
      // Read that exact generation so the pointer and its generation agree under concurrent publishes.
      const [data] = await this.bucket.file(path, { generation }).download();
      text = data.toString('utf8');
    } catch (err) {
      if (isNotFound(err)) return null;
      if (isHashMismatch(err))
        throw new ModelCorruptError(`gs://${this.bucketName}/${path}`, 'download failed its checksum', { cause: err });
      if (isStoreUnavailable(err))
        throw new StoreUnavailableError(`GCS unavailable reading gs://${this.bucketName}/${path}`, { cause: err });
      throw err;
    }
    try {
      return { pointer: parsePointer(text, `gs://${this.bucketName}/${path}`), generation };
    } catch (err) {
      throw new ModelCorruptError(`gs://${this.bucketName}/${path}`, (err as Error).message);
    }
  }

  async readArtifacts(scope: ModelScope, version: string): Promise<ModelArtifacts> {
    const prefix = versionPrefix(scope, version);
    const where = `gs://${this.bucketName}/${prefix}`;
    const [onnx, jsonBytes] = await Promise.all([
      this.download(`${prefix}model.onnx`),
      this.download(`${prefix}model.json`),
    ]);
    if (!onnx || !jsonBytes)
      throw new ModelCorruptError(
        where,
        `pointer names version ${version} but ${!onnx ? 'model.onnx' : 'model.json'} is missing`,
      );
    let modelJson: unknown;
    try {
      modelJson = JSON.parse(jsonBytes.toString('utf8'));
    } catch {
      throw new ModelCorruptError(where, 'model.json is not valid JSON');
    }
    return {
      onnx,
      modelJson,
      bytes: onnx.length + jsonBytes.length,
      sha256: createHash('sha256').update(onnx).digest('hex'),
    };
  }

  async readModelJson(scope: ModelScope, version: string): Promise<unknown | null> {
    const data = await this.download(`${versionPrefix(scope, version)}model.json`);
    if (!data) return null;
    try {
      return JSON.parse(data.toString('utf8'));
    } catch {
      return null;
    }
  }

  /** Version directories under a scope, oldest first (version names sort by time). */
  async listVersions(scope: ModelScope): Promise<string[]> {
    const prefix = scopePrefix(scope);
    const [files] = await this.bucket.getFiles({ prefix });
    const versions = new Set<string>();
    for (const f of files) {
      const rest = f.name.slice(prefix.length);
      const [dir, file] = rest.split('/');
      if (dir && file && (MODEL_FILES as readonly string[]).includes(file) && rest !== POINTER_FILE) versions.add(dir);
    }
    return [...versions].sort();
  }

  /** Uploads a version's files; `ifGenerationMatch: 0` makes a version immutable once written. */
  async uploadVersion(scope: ModelScope, version: string, files: { onnx: Buffer; modelJson: Buffer }): Promise<void> {
    const prefix = versionPrefix(scope, version);
    // model.json last: a version without model.json is invisible to the CLI listing and unusable by pointer.
    await this.bucket.file(`${prefix}model.onnx`).save(files.onnx, {
      resumable: false,
      contentType: 'application/octet-stream',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    await this.bucket.file(`${prefix}model.json`).save(files.modelJson, {
      resumable: false,
      contentType: 'application/json',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
  }

  /**
   * Moves the pointer. `expectGeneration` is the generation read before deciding (0 = must not exist yet), so two
   * concurrent publishes cannot silently overwrite each other: the loser gets a 412.
   */
  async writePointer(scope: ModelScope, pointer: ModelPointer, expectGeneration: string | 0): Promise<void> {
    await this.bucket.file(pointerPath(scope)).save(JSON.stringify(pointer, null, 2) + '\n', {
      resumable: false,
      contentType: 'application/json',
      // Workers re-read the pointer on their own schedule; intermediaries must not serve a stale copy.
      metadata: { cacheControl: 'no-store' },
      preconditionOpts: { ifGenerationMatch: expectGeneration === 0 ? 0 : Number(expectGeneration) },
    });
  }
}
