/**
 * fastText peers for side-by-side inference: the npm WebAssembly build (fasttext.wasm, in this process) and, when
 * installed, Debian's native `fasttext` CLI (a separate process). Both are trained on the same rows as our model.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastText } from 'fasttext.wasm';
import type { LabeledIssue } from '../../src/ml/dataset';
import type { IssueText } from '../../src/ml/types';
import { median, perSecond } from '../lib/stats';

/** Supervised settings as in fastText's text-classification tutorial, with a bucket count that fits wasm memory. */
export const FASTTEXT_PARAMS = { dim: 100, epoch: 5, lr: 0.5, wordNgrams: 2, minCount: 1, bucket: 200_000 } as const;

/**
 * fastText reads one example per line, whitespace-tokenized: the usual preprocessing (lowercase, punctuation split
 * off, newlines folded). It is part of the peer's per-issue cost, as our featurizer is part of ours.
 */
export function fastTextLine(issue: IssueText): string {
  return `${issue.title} ${issue.body ?? ''}`
    .toLowerCase()
    .replace(/([.,!?;:()[\]{}"'`<>=/\\*#|])/g, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

function trainingText(rows: readonly LabeledIssue[]): string {
  return (
    rows
      .map((r) => `${r.labels.map((l) => `__label__${l.replace(/\s+/g, '_')}`).join(' ')} ${fastTextLine(r)}`)
      .join('\n') + '\n'
  );
}

/* The wasm module's embind surface (its .d.ts types train()'s args as unknown). */
interface WasmVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface WasmFastText {
  train(args: unknown, cb: (progress: number) => void): void;
  predict(text: string, k: number, threshold: number): WasmVector<[number, string]>;
}
interface WasmCore {
  FS: { writeFile(path: string, data: string): void; unlink(path: string): void };
  Args: new () => Record<string, unknown>;
  FastText: new () => WasmFastText;
  ModelName: { supervised: unknown };
  LossName: { softmax: unknown };
}

export class FastTextWasmPeer {
  private constructor(private readonly ft: WasmFastText) {}

  /** Trains a supervised softmax model in WebAssembly (single thread) and returns it with the training time. */
  static async train(rows: readonly LabeledIssue[]): Promise<{ peer: FastTextWasmPeer; trainMs: number }> {
    const wrapper = await FastText.create();
    const core = wrapper.core as unknown as WasmCore;
    core.FS.writeFile('/train.txt', trainingText(rows));
    const args = new core.Args();
    Object.assign(args, {
      input: '/train.txt',
      output: '/model',
      model: core.ModelName.supervised,
      loss: core.LossName.softmax,
      thread: 1,
      verbose: 0,
      seed: 1,
      ...FASTTEXT_PARAMS,
    });
    const ft = new core.FastText();
    const t0 = performance.now();
    ft.train(args, () => undefined);
    const trainMs = performance.now() - t0;
    core.FS.unlink('/train.txt');
    return { peer: new FastTextWasmPeer(ft), trainMs };
  }

  /** All labels with probabilities, like our predict() returns every label's score. */
  predict(issue: IssueText): [number, string][] {
    const v = this.ft.predict(fastTextLine(issue), -1, 0);
    const out: [number, string][] = [];
    for (let i = 0; i < v.size(); i++) out.push(v.get(i));
    v.delete();
    return out;
  }
}

export function nativeFastTextPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

export interface NativeMeasurement {
  binary: string;
  trainMs: number;
  /** Issues per second of `fasttext predict-prob` once the model is loaded: (N−1) / (t(N) − t(1)). */
  issuesPerSecond: number;
  /** The same from the child's CPU time (user + system, /usr/bin/time, 10 ms resolution); NaN without /usr/bin/time. */
  issuesPerCpuSecond: number;
  /** Wall time of a 1-issue run: process start + model load + one prediction. */
  loadPlusOneMs: number;
  /** N: lines in the large input (the texts repeated so the difference dwarfs timer noise). */
  lines: number;
  repeats: number;
}

/**
 * The native C++ CLI, measured back to back with our in-process runs. Process start and model load are removed by
 * timing a 1-line and an N-line input and taking the difference, median over `repeats`.
 */
export function measureNativeFastText(
  binary: string,
  rows: readonly LabeledIssue[],
  texts: readonly IssueText[],
  repeats: number,
  minLines = 20_000,
): NativeMeasurement {
  const dir = mkdtempSync(join(tmpdir(), 'label-bot-bench-fasttext-'));
  try {
    const trainFile = join(dir, 'train.txt');
    writeFileSync(trainFile, trainingText(rows));
    const p = FASTTEXT_PARAMS;
    const model = join(dir, 'model');
    const t0 = performance.now();
    execFileSync(
      binary,
      [
        'supervised',
        '-input',
        trainFile,
        '-output',
        model,
        '-dim',
        String(p.dim),
        '-epoch',
        String(p.epoch),
        '-lr',
        String(p.lr),
        '-wordNgrams',
        String(p.wordNgrams),
        '-minCount',
        String(p.minCount),
        '-bucket',
        String(p.bucket),
        '-thread',
        '1',
        '-seed',
        '1',
        '-verbose',
        '0',
      ],
      { stdio: 'ignore' },
    );
    const trainMs = performance.now() - t0;
    const lines = texts.map(fastTextLine);
    const big: string[] = [];
    while (big.length < minLines) big.push(...lines);
    const allFile = join(dir, 'all.txt');
    const oneFile = join(dir, 'one.txt');
    writeFileSync(allFile, big.join('\n') + '\n');
    writeFileSync(oneFile, lines[0] + '\n');
    const predictArgs = (file: string) => ['predict-prob', `${model}.bin`, file, '-1'];
    const wall = (file: string) => {
      const s = performance.now();
      execFileSync(binary, predictArgs(file), { stdio: 'ignore' });
      return performance.now() - s;
    };
    const hasTime = existsSync('/usr/bin/time');
    const cpu = (file: string) => {
      if (!hasTime) return Number.NaN;
      const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', binary, ...predictArgs(file)], {
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
      return m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN;
    };
    const ones: number[] = [];
    const alls: number[] = [];
    const cpuOnes: number[] = [];
    const cpuAlls: number[] = [];
    for (let i = 0; i < repeats; i++) {
      ones.push(wall(oneFile));
      alls.push(wall(allFile));
      cpuOnes.push(cpu(oneFile));
      cpuAlls.push(cpu(allFile));
    }
    const n = big.length - 1;
    return {
      binary,
      trainMs,
      issuesPerSecond: perSecond(n, median(alls) - median(ones)),
      issuesPerCpuSecond: perSecond(n, median(cpuAlls) - median(cpuOnes)),
      loadPlusOneMs: median(ones),
      lines: big.length,
      repeats,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
