/** Writing a trained model as a model directory: model.onnx + model.json. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportOnnx } from './onnx-export';
import { modelJsonSchema, sha256Hex, type ModelCard } from './model-format';
import type { TrainedModel } from './train';
import { MODEL_FORMAT_VERSION, TRAINER_VERSION } from './versions';

/**
 * created_at must not break bit-for-bit rebuilds: it comes from SOURCE_DATE_EPOCH (seconds, the
 * reproducible-builds convention) when set, else from the clock.
 */
export function resolveCreatedAt(env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): string {
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    const secs = Number(sde);
    if (!Number.isInteger(secs) || secs < 0)
      throw new Error(`SOURCE_DATE_EPOCH must be a non-negative integer, got "${sde}"`);
    return new Date(secs * 1000).toISOString();
  }
  return now().toISOString();
}

export function buildModelCard(
  model: TrainedModel,
  onnxBytes: Uint8Array,
  opts: { name: string; createdAt: string; seed: number },
): ModelCard {
  const card: ModelCard = {
    formatVersion: MODEL_FORMAT_VERSION,
    name: opts.name,
    kind: model.kind,
    labels: model.labels,
    thresholds: model.thresholds,
    featurizer: model.featurizer,
    onnx: { sha256: sha256Hex(onnxBytes), inputs: ['indices', 'values'], output: 'scores' },
    metrics: {
      source: 'internal-cv',
      folds: model.heldOut.folds,
      decision: model.heldOut.decision,
      heldOut: model.heldOut.metrics,
      withThresholds: model.heldOut.thresholdMetrics,
      ...(model.unseenRepos ? { cvBy: 'repo' as const, unseenRepos: model.unseenRepos } : {}),
    },
    training: {
      rows: model.trainingRows,
      dataHash: model.dataHash,
      lambda: model.lambda,
      loss: model.loss,
      classWeight: model.classWeight,
      seed: opts.seed,
      droppedLabels: model.droppedLabels,
      ...(model.domain !== undefined ? { domain: model.domain, pooledRepos: model.pooledRepos } : {}),
      ...(model.titleOnlyWeight !== undefined ? { titleOnlyWeight: model.titleOnlyWeight } : {}),
      ...(model.nbAlpha !== undefined ? { nbAlpha: model.nbAlpha } : {}),
      ...(model.intercept === false ? { intercept: false } : {}),
      ...(model.cutoff !== undefined ? { cutoff: model.cutoff } : {}),
    },
    neverPredicted: model.labels.filter((_, i) => model.thresholds[i] === null),
    createdAt: opts.createdAt,
    trainerVersion: TRAINER_VERSION,
  };
  return modelJsonSchema.parse(card);
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Writes DIR/model.onnx and DIR/model.json (model.json last, so a half-written dir fails to load). */
export function writeModelDir(
  dir: string,
  model: TrainedModel,
  opts: { name: string; createdAt?: string; seed?: number },
): ModelCard {
  mkdirSync(dir, { recursive: true });
  const onnxBytes = exportOnnx(model);
  const card = buildModelCard(model, onnxBytes, {
    name: opts.name,
    createdAt: opts.createdAt ?? resolveCreatedAt(),
    seed: opts.seed ?? 1,
  });
  writeAtomic(join(dir, 'model.onnx'), onnxBytes);
  writeAtomic(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  return card;
}
