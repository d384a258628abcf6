import { createHash } from 'node:crypto';
import type { Storage, Bucket } from '@google-cloud/storage';
import type { GcsAttempt } from './gcs-retry';
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

  /**
   * @param attempt wraps every GCS call: the CLI passes `gcsRetries` (classified retries with a line per retry, the
   *   client's own retries off); by default each call runs once, under the client's own retry settings.
   */
  constructor(
    storage: Storage,
    readonly bucketName: string,
    private readonly attempt: GcsAttempt = (_what, op) => op(),
  ) {
    this.bucket = storage.bucket(bucketName);
  }

  private url(path: string): string {
    return `gs://${this.bucketName}/${path}`;
  }

  /** A failed read: null when the object is not there, else the error the registry tells apart (corrupt or unavailable). */
  private readFailure(path: string, err: unknown): null {
    if (isNotFound(err)) return null;
    if (isHashMismatch(err))
      throw new ModelCorruptError(this.url(path), 'download failed its checksum', { cause: err });
    if (isStoreUnavailable(err))
      throw new StoreUnavailableError(`GCS unavailable reading ${this.url(path)}`, { cause: err });
    throw err;
  }

  private async download(path: string): Promise<Buffer | null> {
    try {
      const [data] = await this.attempt(`reading ${this.url(path)}`, () => this.bucket.file(path).download());
      return data;
    } catch (err) {
      return this.readFailure(path, err);
    }
  }

  async readPointer(scope: ModelScope): Promise<PointerRead | null> {
    const path = pointerPath(scope);
    let generation: string;
    let text: string;
    try {
      [generation, text] = await this.attempt(`reading ${this.url(path)}`, async () => {
        const [meta] = await this.bucket.file(path).getMetadata();
        const gen = String(meta.generation);
        // Read that exact generation so the pointer and its generation agree under concurrent publishes.
        const [data] = await this.bucket.file(path, { generation: gen }).download();
        return [gen, data.toString('utf8')] as const;
      });
    } catch (err) {
      return this.readFailure(path, err);
    }
    try {
      return { pointer: parsePointer(text, this.url(path)), generation };
    } catch (err) {
      throw new ModelCorruptError(this.url(path), (err as Error).message);
    }
  }

  async readArtifacts(scope: ModelScope, version: string): Promise<ModelArtifacts> {
    const prefix = versionPrefix(scope, version);
    const where = this.url(prefix);
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
    const [files] = await this.attempt(`listing ${this.url(prefix)}`, () => this.bucket.getFiles({ prefix }));
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
    const save = (name: string, data: Buffer, contentType: string): Promise<void> =>
      this.attempt(`writing ${this.url(prefix + name)}`, () =>
        this.bucket.file(prefix + name).save(data, {
          resumable: false,
          contentType,
          preconditionOpts: { ifGenerationMatch: 0 },
        }),
      );
    await save('model.onnx', files.onnx, 'application/octet-stream');
    await save('model.json', files.modelJson, 'application/json');
  }

  /**
   * Moves the pointer. `expectGeneration` is the generation read before deciding (0 = must not exist yet), so two
   * concurrent publishes cannot silently overwrite each other: the loser gets a 412.
   */
  async writePointer(scope: ModelScope, pointer: ModelPointer, expectGeneration: string | 0): Promise<void> {
    const path = pointerPath(scope);
    await this.attempt(`writing ${this.url(path)}`, () =>
      this.bucket.file(path).save(JSON.stringify(pointer, null, 2) + '\n', {
        resumable: false,
        contentType: 'application/json',
        // Workers re-read the pointer on their own schedule; intermediaries must not serve a stale copy.
        metadata: { cacheControl: 'no-store' },
        preconditionOpts: { ifGenerationMatch: expectGeneration === 0 ? 0 : Number(expectGeneration) },
      }),
    );
  }
}
