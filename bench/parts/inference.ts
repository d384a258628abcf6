/**
 * Part 1 — inference throughput on the same texts: our ONNX classifier (batched and one issue per call), our
 * TypeScript reference scorer, the featurizer alone, and fastText peers trained on the same rows.
 * Each round runs every in-process contender once, back to back, so a noisy neighbour hits all of them alike;
 * ratios are the median of per-round ratios (paired), throughputs the median over rounds.
 * "Per core": everything in this process is single-threaded (onnxruntime with intra/inter-op threads = 1), so wall
 * throughput is per core; CPU-time throughput (issues per CPU-second of this process) is also reported, because on a
 * shared machine it is less disturbed by other processes than wall time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featurize } from '../../src/ml/featurizer';
import { parseModelJson } from '../../src/ml/model-format';
import { loadClassifier } from '../../src/ml/onnx-classifier';
import { referenceScorerFromArtifacts } from '../../src/ml/reference-scorer';
import type { IssueText } from '../../src/ml/types';
import { atLeast } from '../lib/data';
import type { BenchContext } from '../lib/context';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';
import { median, perSecond, ratio } from '../lib/stats';
import {
  FASTTEXT_PARAMS,
  fastTextLine,
  FastTextWasmPeer,
  measureNativeFastText,
  nativeFastTextPath,
} from '../peers/fasttext';

const PER_CORE_TARGET = 5_000;
const PEER_RATIO_TARGET = 10;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(fn: () => unknown): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const fmtRatio = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');

export async function runInference(ctx: BenchContext): Promise<PartResult> {
  const texts: IssueText[] = atLeast(
    ctx.data.rows.map((r) => ({ title: r.title, body: r.body })),
    ctx.quick ? 200 : 1,
  );
  const rounds = ctx.quick ? 2 : 7;
  const model = await ctx.model();
  const modelDir = model.dir;
  const classifier = await loadClassifier(modelDir);
  const scorer = referenceScorerFromArtifacts(
    readFileSync(join(modelDir, 'model.onnx')),
    JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as unknown,
    modelDir,
  );
  const featurizer = parseModelJson(
    JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')),
    'model.json',
  ).featurizer;
  ctx.log(`inference: training the fastText (wasm) peer on ${ctx.data.rows.length} rows`);
  const { peer, trainMs: ftTrainMs } = await FastTextWasmPeer.train(ctx.data.rows);

  const contenders: Record<string, () => unknown> = {
    onnxBatched: () => classifier.predict(texts),
    onnxSingle: async () => {
      for (const t of texts) await classifier.predict([t]);
    },
    tsReference: () => scorer.predict(texts),
    featurizeOnly: () => {
      for (const t of texts) featurize(t, featurizer);
    },
    fastTextWasm: () => {
      for (const t of texts) peer.predict(t);
    },
    // The native CLI reads pre-tokenized lines; this is the tokenizing it is spared, added back below.
    fastTextPreprocess: () => {
      for (const t of texts) fastTextLine(t);
    },
  };
  // Warm-up: JIT, onnxruntime's first-run allocations, wasm tier-up.
  for (const fn of Object.values(contenders)) await fn();

  const samples: Record<string, Timing[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    ctx.log(`inference: round ${r + 1}/${rounds}`);
    // Rotate the order each round so no contender always runs right after the same neighbour.
    const names = Object.keys(contenders);
    const order = [...names.slice(r % names.length), ...names.slice(0, r % names.length)];
    for (const name of order) samples[name]!.push(await timed(contenders[name]!));
  }
  const n = texts.length;
  const wallRate = (name: string) => median(samples[name]!.map((s) => perSecond(n, s.wallMs)));
  const cpuRate = (name: string) => median(samples[name]!.map((s) => perSecond(n, s.cpuMs)));
  const pairedRatio = (a: string, b: string) =>
    median(samples[a]!.map((s, i) => ratio(samples[b]![i]!.wallMs, s.wallMs)));

  let native: ReturnType<typeof measureNativeFastText> | null = null;
  let nativeReason = '';
  const bin = nativeFastTextPath();
  if (!bin) nativeReason = 'Debian `fasttext` CLI not installed (apt-get install -y fasttext)';
  else if (ctx.quick) nativeReason = 'skipped in --quick';
  else {
    ctx.log('inference: native fastText CLI (train + predict-prob, back to back)');
    const ours0 = await timed(contenders.onnxBatched!);
    native = measureNativeFastText(bin, ctx.data.rows, texts, 3);
    const ours1 = await timed(contenders.onnxBatched!);
    samples.onnxBatchedAroundNative = [ours0, ours1];
  }
  const nativeOursRate = native ? median(samples.onnxBatchedAroundNative!.map((s) => perSecond(n, s.wallMs))) : NaN;
  // Native rate with the JS tokenizing it was spared: per-issue times add.
  const preRate = wallRate('fastTextPreprocess');
  const nativeWithPre = native ? 1 / (1 / native.issuesPerSecond + 1 / preRate) : NaN;

  // The Kubeflow worker's pattern: load the model for every prediction. Few issues: each costs a full session load.
  const reloadN = ctx.quick ? 3 : 20;
  const reload = await timed(async () => {
    for (let i = 0; i < reloadN; i++) await (await loadClassifier(modelDir)).predict([texts[i % texts.length]!]);
  });
  const reloadRate = perSecond(reloadN, reload.wallMs);

  const perCore = { op: '>=' as const, value: PER_CORE_TARGET };
  const vsPeer = { op: '>=' as const, value: PEER_RATIO_TARGET };
  const figures: Figure[] = [
    figure('ONNX, batched (128/run), wall', wallRate('onnxBatched'), 'issues/s/core', { target: perCore }),
    figure('ONNX, batched, CPU time', cpuRate('onnxBatched'), 'issues/CPU-s', { target: perCore }),
    figure('ONNX, one issue per predict()', wallRate('onnxSingle'), 'issues/s/core', { target: perCore }),
    figure('TS reference scorer', wallRate('tsReference'), 'issues/s/core'),
    figure('featurizer alone (upper bound for any scorer)', wallRate('featurizeOnly'), 'issues/s/core'),
    figure('fastText wasm (npm fasttext.wasm), wall', wallRate('fastTextWasm'), 'issues/s/core'),
    figure('ONNX, model reloaded for every issue (Kubeflow worker pattern)', reloadRate, 'issues/s/core', {
      note: `${reloadN} issues; ours kept loaded is ${fmtRatio(ratio(wallRate('onnxSingle'), reloadRate))}× faster`,
    }),
    figure('ratio ONNX batched / fastText wasm', pairedRatio('onnxBatched', 'fastTextWasm'), '×', {
      target: vsPeer,
      note: 'median of per-round ratios',
    }),
    figure('ratio ONNX single / fastText wasm', pairedRatio('onnxSingle', 'fastTextWasm'), '×', { target: vsPeer }),
    native
      ? figure('fastText native CLI (Debian, C++), wall', native.issuesPerSecond, 'issues/s/core', {
          note: `predict-prob, (N−1)/(t(N)−t(1)), N=${native.lines}`,
        })
      : notMeasured('fastText native CLI (Debian, C++)', 'issues/s/core', nativeReason),
    native
      ? figure('fastText native incl. tokenizing (fastTextLine in JS)', nativeWithPre, 'issues/s/core', {
          note: `tokenizing alone ${Math.round(preRate)} issues/s`,
        })
      : notMeasured('fastText native incl. tokenizing', 'issues/s/core', nativeReason),
    native
      ? figure('ratio ONNX batched / fastText native', ratio(nativeOursRate, native.issuesPerSecond), '×', {
          target: vsPeer,
          note: `ours measured right before and after the CLI (${Math.round(nativeOursRate)} issues/s)`,
        })
      : notMeasured('ratio ONNX batched / fastText native', '×', nativeReason, vsPeer),
  ];
  return {
    part: 'inference',
    title: '1. Inference throughput (same texts, single thread)',
    status: statusOf(figures),
    figures,
    notes: [
      `${n} issue texts from ${ctx.data.source === 'shared' ? "the shared NLBSE'24 training file" : 'the committed fixture (repeated)'}; model "${model.name}" trained on the same ${ctx.data.rows.length} rows; ${rounds} rounds, median.`,
      "Our figures include featurizing (tokenizing, hashing) and building Prediction objects; fastText's include its whitespace preprocessing (fastTextLine) and reading all label probabilities (k = −1).",
      `fastText settings: ${JSON.stringify(FASTTEXT_PARAMS)}, softmax loss, 1 thread; wasm peer trained in ${Math.round(ftTrainMs)} ms${native ? `, native in ${Math.round(native.trainMs)} ms` : ''}.`,
    ],
    details: {
      texts: n,
      rounds,
      samples,
      native,
      fastTextWasmTrainMs: ftTrainMs,
    },
  };
}
