/** Trains a model through the ML core's public API and writes the model directory the Lambda and worker load. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabeledIssue } from '../../src/ml/dataset';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel, type TrainOptions } from '../../src/ml/train';

export interface TrainedDir {
  dir: string;
  /** Wall time of trainModel alone (export and writing excluded). */
  trainMs: number;
  /** CPU time of the training process over the same span (user + system). */
  trainCpuMs: number;
  rows: number;
}

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
