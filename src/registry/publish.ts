import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isPreconditionFailed } from './errors';
import { newVersionName, pointerPath, scopeKey, type ModelScope } from './layout';
import type { ModelPointer } from './pointer';
import type { GcsModelStore } from './store';

/** Operations behind `label-bot publish | rollback | models list`; the CLI commands are thin wrappers. */

export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError';
}

type Store = Pick<
  GcsModelStore,
  'readPointer' | 'readModelJson' | 'listVersions' | 'uploadVersion' | 'writePointer' | 'bucketName'
>;

/**
 * The held-out score a model.json reports: the out-of-fold macro-F1 of the decision rule the model uses
 * (`metrics.withThresholds` when `metrics.decision` is `thresholds`, else `metrics.heldOut`), as written by
 * `label-bot train`. Hand-made files may carry `metrics.score` (the `eval --json` headline) instead.
 */
export function heldOutScore(modelJson: unknown): number | null {
  const metrics = (modelJson as { metrics?: Record<string, unknown> } | null)?.metrics;
  if (!metrics || typeof metrics !== 'object') return null;
  const pick = metrics.decision === 'thresholds' ? metrics.withThresholds : metrics.heldOut;
  const macro = (pick as { macroF1?: unknown } | undefined)?.macroF1;
  if (typeof macro === 'number' && Number.isFinite(macro)) return macro;
  for (const k of ['score', 'macroF1', 'macro_f1']) {
    const v = metrics[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

export interface PublishOptions {
  store: Store;
  scope: ModelScope;
  /** Directory holding model.onnx and model.json. */
  dir: string;
  force?: boolean;
  now?: Date;
  /**
   * The newest-issues comparison (src/ops/holdout-guard.ts), given the current version (null on a first publish).
   * When set it replaces the comparison of the two model.json CV scores; --force skips both.
   */
  guard?: PublishGuard;
}

/** Decides whether the candidate may replace `currentVersion`; the reason is the refusal's message. */
export type PublishGuard = (currentVersion: string | null) => Promise<{ accept: boolean; reason: string }>;

export interface PublishResult {
  version: string;
  previous: string | null;
  score: number | null;
  previousScore: number | null;
  location: string;
  /** The same files are already the current version: nothing was uploaded and the pointer did not move. */
  unchanged?: boolean;
}

/** A model directory's file, or a refusal that says what the directory should hold. */
async function readModelFile(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    const what = existsSync(dir) ? `${dir} has no ${name}` : `${dir} does not exist`;
    throw new PublishRefusedError(
      `${what}: give the directory \`label-bot train --out\` wrote (model.onnx + model.json)`,
    );
  }
}

export async function publishModel(opts: PublishOptions): Promise<PublishResult> {
  const { store, scope } = opts;
  const onnx = await readModelFile(opts.dir, 'model.onnx');
  const jsonText = (await readModelFile(opts.dir, 'model.json')).toString('utf8');
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(jsonText);
  } catch {
    throw new PublishRefusedError(`${join(opts.dir, 'model.json')} is not valid JSON`);
  }
  if (onnx.length === 0) throw new PublishRefusedError(`${join(opts.dir, 'model.onnx')} is empty`);
  const labels = (modelJson as { labels?: unknown }).labels;
  if (!Array.isArray(labels) || labels.length === 0) throw new PublishRefusedError('model.json has no label list');

  const score = heldOutScore(modelJson);
  const current = await store.readPointer(scope);
  const hash = createHash('sha256').update(onnx).update(jsonText).digest('hex');
  const location = `gs://${store.bucketName}/${pointerPath(scope)}`;
  const same = await identicalVersion(store, scope, hash, modelJson);
  if (same && same === current?.pointer.version) {
    return {
      version: same,
      previous: current.pointer.previous ?? null,
      score,
      previousScore: score,
      location,
      unchanged: true,
    };
  }
  if (same) {
    throw new PublishRefusedError(
      `this model is already published as ${same} (not current); to make it current: label-bot rollback ${scopeKey(scope)} --to ${same}`,
    );
  }
  let previousScore: number | null = null;
  if (opts.guard && !opts.force) {
    const verdict = await opts.guard(current?.pointer.version ?? null);
    if (!verdict.accept) throw new PublishRefusedError(verdict.reason);
  }
  if (current) {
    previousScore = heldOutScore(await store.readModelJson(scope, current.pointer.version));
    if (!opts.force && !opts.guard) {
      if (score === null && previousScore !== null) {
        throw new PublishRefusedError(
          `model.json has no held-out metrics.score; current ${current.pointer.version} scores ${previousScore.toFixed(4)} (use --force to publish anyway)`,
        );
      }
      if (score !== null && previousScore !== null && score < previousScore) {
        throw new PublishRefusedError(
          `held-out score ${score.toFixed(4)} is worse than current ${current.pointer.version} (${previousScore.toFixed(4)}); use --force to publish anyway`,
        );
      }
    }
  }

  const now = opts.now ?? new Date();
  const version = newVersionName(now, hash);
  await store.uploadVersion(scope, version, { onnx, modelJson: Buffer.from(jsonText) });
  const pointer: ModelPointer = {
    version,
    published_at: now.toISOString(),
    ...(current ? { previous: current.pointer.version } : {}),
  };
  try {
    await store.writePointer(scope, pointer, current ? current.generation : 0);
  } catch (err) {
    if (isPreconditionFailed(err)) {
      throw new PublishRefusedError(
        `the pointer of ${scopeKey(scope)} moved while publishing (concurrent publish?); ${version} was uploaded but is not current — re-run`,
      );
    }
    throw err;
  }
  return {
    version,
    previous: current?.pointer.version ?? null,
    score,
    previousScore,
    location,
  };
}

/**
 * A version of the scope with the same files: its name ends in the first 8 hex digits of the files' hash (see
 * newVersionName), and its model.json is the same document (which, for trained models, names model.onnx's sha256).
 */
async function identicalVersion(
  store: Store,
  scope: ModelScope,
  hash: string,
  modelJson: unknown,
): Promise<string | null> {
  const candidates = (await store.listVersions(scope)).filter((v) => v.endsWith(`-${hash.slice(0, 8)}`));
  for (const v of candidates.reverse()) {
    if (isDeepStrictEqual(await store.readModelJson(scope, v), modelJson)) return v;
  }
  return null;
}

export interface RollbackOptions {
  store: Store;
  scope: ModelScope;
  /** Target version; default: the pointer's `previous`. */
  to?: string;
  now?: Date;
}

export interface RollbackResult {
  from: string;
  to: string;
}

/**
 * Moves the pointer back. The new pointer's `previous` is the version published just before the target, so
 * repeated rollbacks walk back through history instead of toggling between two versions.
 */
export async function rollbackModel(opts: RollbackOptions): Promise<RollbackResult> {
  const { store, scope } = opts;
  const current = await store.readPointer(scope);
  if (!current) throw new PublishRefusedError(`${scopeKey(scope)} has no published model to roll back`);
  const target = opts.to ?? current.pointer.previous;
  if (!target)
    throw new PublishRefusedError(
      `${scopeKey(scope)}@${current.pointer.version} has no previous version; pass --to VERSION`,
    );
  if (target === current.pointer.version) throw new PublishRefusedError(`${target} is already current`);
  const versions = await store.listVersions(scope);
  if (!versions.includes(target) || (await store.readModelJson(scope, target)) === null) {
    throw new PublishRefusedError(`version ${target} does not exist under ${scopeKey(scope)}`);
  }
  const older = versions.filter((v) => v < target);
  const previous = older[older.length - 1];
  const pointer: ModelPointer = {
    version: target,
    published_at: (opts.now ?? new Date()).toISOString(),
    ...(previous ? { previous } : {}),
  };
  try {
    await store.writePointer(scope, pointer, current.generation);
  } catch (err) {
    if (isPreconditionFailed(err))
      throw new PublishRefusedError(`the pointer of ${scopeKey(scope)} moved during rollback; re-run`);
    throw err;
  }
  return { from: current.pointer.version, to: target };
}

export interface ModelVersionInfo {
  version: string;
  current: boolean;
  score: number | null;
  createdAt: string | null;
  labels: string[];
}

export async function listModels(
  store: Store,
  scope: ModelScope,
): Promise<{ current: string | null; versions: ModelVersionInfo[] }> {
  const [pointer, versions] = await Promise.all([store.readPointer(scope), store.listVersions(scope)]);
  const current = pointer?.pointer.version ?? null;
  const infos = await Promise.all(
    versions.map(async (version): Promise<ModelVersionInfo> => {
      const json = (await store.readModelJson(scope, version)) as {
        createdAt?: unknown;
        created_at?: unknown;
        labels?: unknown;
      } | null;
      const created = json?.createdAt ?? json?.created_at;
      return {
        version,
        current: version === current,
        score: heldOutScore(json),
        createdAt: typeof created === 'string' ? created : null,
        labels: Array.isArray(json?.labels) ? json.labels.filter((l): l is string => typeof l === 'string') : [],
      };
    }),
  );
  return { current, versions: infos };
}
