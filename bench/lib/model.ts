/** Trains a model through the ML core's public API and writes the model directory the Lambda and worker load. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataHash, type LabeledIssue } from '../../src/ml/dataset';
import { REPO_ROOT } from './data';
import { parseModelJson } from '../../src/ml/model-format';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel, type TrainOptions } from '../../src/ml/train';
import { UNIVERSAL_OPTIONS } from '../../scripts/universal-options';

export interface TrainedDir {
  dir: string;
  /** Wall time of trainModel alone (export and writing excluded). */
  trainMs: number;
  /** CPU time of the training process over the same span (user + system). */
  trainCpuMs: number;
  rows: number;
}

/** The options `npm run train:universal` builds the committed universal model with (one shared definition). */
export const UNIVERSAL_TRAIN_OPTIONS: TrainOptions = UNIVERSAL_OPTIONS;

/** A repo-specific model as `label-bot train` builds it by default (in-repo internal CV, featurizer defaults). */
export const REPO_TRAIN_OPTIONS: TrainOptions = { seed: 1, folds: 3 };

/** Quick mode: one λ and 3 internal folds, so the smoke pass stays well under a minute. */
export const QUICK_TRAIN_OPTIONS: TrainOptions = { lambdas: [3e-4], folds: 3 };

export function trainToDir(rows: readonly LabeledIssue[], name: string, opts: TrainOptions = {}): TrainedDir {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const model = trainModel(rows, opts);
  const trainMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const dir = mkdtempSync(join(tmpdir(), `label-bot-bench-${name.replace(/[^a-z0-9]+/gi, '-')}-`));
  writeModelDir(dir, model, { name });
  return { dir, trainMs, trainCpuMs: (cpu.user + cpu.system) / 1000, rows: rows.length };
}

/** The model parts 1, 3 and 4 load. */
export interface BenchModel {
  dir: string;
  name: string;
  /** Rows it was trained on (the same rows the fastText peer is trained on). */
  rows: number;
  origin: 'committed' | 'trained';
}

/** models/universal if its model.json is valid for the code as it is now, else null. */
export function shippedUniversalDir(): string | null {
  const dir = join(REPO_ROOT, 'models', 'universal');
  try {
    parseModelJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), 'model.json');
    return existsSync(join(dir, 'model.onnx')) ? dir : null;
  } catch {
    return null;
  }
}

/**
 * models/universal when its card says it was trained on exactly these rows (same data hash): then it is both the
 * shipped model and a model trained on the peer's data, and the run need not train one first.
 */
export function committedUniversal(rows: readonly LabeledIssue[]): BenchModel | null {
  const dir = join(REPO_ROOT, 'models', 'universal');
  const card = join(dir, 'model.json');
  if (!existsSync(card) || !existsSync(join(dir, 'model.onnx'))) return null;
  try {
    const json: unknown = JSON.parse(readFileSync(card, 'utf8'));
    // Must also load with the code as it is now (a featurizer change makes an older card invalid).
    const parsed = parseModelJson(json, card);
    return parsed.training.dataHash === dataHash(rows)
      ? { dir, name: 'models/universal (committed)', rows: rows.length, origin: 'committed' }
      : null;
  } catch {
    return null;
  }
}
