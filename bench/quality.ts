/**
 * Quality benchmark: our trainer vs a fastText peer, cross-validated on the same folds in the same run.
 *
 *   npx tsx bench/quality.ts [--quick]
 *
 * Prints a Markdown table and writes bench/results/quality.json. Data: ../shared/data (read-only).
 * - corefx areas (22 labels): macro-F1 and accuracy, 5-fold stratified CV (3 folds with --quick).
 * - NLBSE'24 (per repo, mean over repos of macro-F1), 5-fold CV (skipped with --quick).
 * The fastText peer is fasttext.wasm (the official C++ fastText compiled to WebAssembly; its embind
 * `FastText.train` does supervised training in Node), single-threaded with a fixed seed, using the
 * fastText tutorial's text-classification settings (epoch 25, lr 0.5, wordNgrams 2, dim 100, softmax).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastText } from 'fasttext.wasm';
import { readJsonl, stratifiedFolds, type LabeledIssue } from '../src/ml/dataset';
import { featurize } from '../src/ml/featurizer';
import { computeMetrics } from '../src/ml/metrics';
import { scoreVector, trainModel, trainPerRepo, type TrainedModel } from '../src/ml/train';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, '..', 'shared', 'data');

export interface QualityRow {
  dataset: string;
  protocol: string;
  system: string;
  score: number;
  macroF1: number;
  accuracy: number;
  seconds: number;
}

function argmax(model: TrainedModel, r: LabeledIssue): string {
  const s = scoreVector(model, featurize(r, model.featurizer));
  let best = 0;
  for (let c = 1; c < s.length; c++) if (s[c]! > s[best]!) best = c;
  return model.labels[best]!;
}

/** fastText input: one line, lower-cased, whitespace collapsed (its tokenizer splits on whitespace only). */
function ftText(r: { title: string; body: string }): string {
  return `${r.title} ${r.body}`.toLowerCase().replace(/\s+/g, ' ').trim();
}

type FtModule = Awaited<ReturnType<typeof FastText.create>>;

let fitCount = 0;

function fastTextFitPredict(ft: FtModule, train: LabeledIssue[], test: LabeledIssue[]): string[] {
  const core = ft.core as unknown as {
    Args: new () => Record<string, unknown>;
    FastText: new () => { train(a: unknown, cb: () => void): void; predict(t: string, k: number, th: number): { size(): number; get(i: number): [number, string]; delete(): void }; delete(): void };
    ModelName: Record<string, unknown>;
    LossName: Record<string, unknown>;
  };
  const lines = train.map((r) => `__label__${r.labels[0]!.replace(/\s+/g, '_')} ${ftText(r)}`);
  // A fresh path per fit: fasttext.wasm reads an overwritten file's PREVIOUS content (checked: four fits of the same
  // path with labels X, Y, Z, W predict X, X, Y, Z), so reusing one path trained fold k on fold k-1's training rows,
  // which contain fold k's test rows, and inflated the peer's CV scores.
  const input = `/train-${++fitCount}.txt`;
  ft.fs.writeFile(input, lines.join('\n') + '\n');
  const a = new core.Args();
  Object.assign(a, {
    input,
    output: '/model',
    epoch: 25,
    lr: 0.5,
    wordNgrams: 2,
    dim: 100,
    minCount: 1,
    minn: 0,
    maxn: 0,
    bucket: 2_000_000,
    thread: 1,
    seed: 1,
    verbose: 0,
    model: core.ModelName.supervised,
    loss: core.LossName.softmax,
  });
  const m = new core.FastText();
  m.train(a, () => {});
  const labelOf = new Map(train.map((r) => [`__label__${r.labels[0]!.replace(/\s+/g, '_')}`, r.labels[0]!]));
  const out = test.map((r) => {
    const v = m.predict(ftText(r), 1, 0);
    const label = v.size() > 0 ? v.get(0)[1] : '';
    v.delete();
    return labelOf.get(label) ?? label;
  });
  m.delete();
  ft.fs.unlink(input);
  return out;
}

function score(rows: LabeledIssue[], pred: string[], perRepo: boolean) {
  const labels = [...new Set(rows.flatMap((r) => r.labels))].sort();
  const all = computeMetrics(labels, rows.map((r) => r.labels), pred.map((p) => [p]));
  if (!perRepo) return { score: all.macroF1, macroF1: all.macroF1, accuracy: all.accuracy };
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  const per = repos.map((repo) => {
    const idx = [...rows.keys()].filter((i) => rows[i]!.repo === repo);
    const l = [...new Set(idx.flatMap((i) => rows[i]!.labels))].sort();
    return computeMetrics(l, idx.map((i) => rows[i]!.labels), idx.map((i) => [pred[i]!])).macroF1;
  });
  return { score: per.reduce((a, b) => a + b, 0) / per.length, macroF1: all.macroF1, accuracy: all.accuracy };
}

async function crossValidate(dataset: string, rows: LabeledIssue[], k: number, perRepo: boolean, ft: FtModule, log: (m: string) => void): Promise<QualityRow[]> {
  const fold = stratifiedFolds(rows, k, 1, (r) => `${r.repo}\u0000${r.labels.join(',')}`);
  const ours: string[] = new Array(rows.length);
  const peer: string[] = new Array(rows.length);
  let oursSec = 0;
  let peerSec = 0;
  for (let f = 0; f < k; f++) {
    const trainIdx = [...rows.keys()].filter((i) => fold[i] !== f);
    const testIdx = [...rows.keys()].filter((i) => fold[i] === f);
    const train = trainIdx.map((i) => rows[i]!);
    let t = performance.now();
    if (perRepo) {
      const models = trainPerRepo(train, { minExamples: 2 });
      for (const i of testIdx) ours[i] = argmax(models.get(rows[i]!.repo)!, rows[i]!);
    } else {
      const model = trainModel(train, { minExamples: 2 });
      for (const i of testIdx) ours[i] = argmax(model, rows[i]!);
    }
    oursSec += (performance.now() - t) / 1000;
    t = performance.now();
    if (perRepo) {
      // The peer trains one model per repo on that repo's rows (how the NLBSE baselines were run).
      for (const repo of [...new Set(train.map((r) => r.repo))]) {
        const te = testIdx.filter((i) => rows[i]!.repo === repo);
        const pred = fastTextFitPredict(ft, train.filter((r) => r.repo === repo), te.map((i) => rows[i]!));
        te.forEach((i, j) => (peer[i] = pred[j]!));
      }
    } else {
      const pred = fastTextFitPredict(ft, train, testIdx.map((i) => rows[i]!));
      testIdx.forEach((i, j) => (peer[i] = pred[j]!));
    }
    peerSec += (performance.now() - t) / 1000;
    log(`${dataset}: fold ${f + 1}/${k} done`);
  }
  const protocol = `${k}-fold CV${perRepo ? ', per repo' : ''}`;
  return [
    { dataset, protocol, system: 'label-bot (hashed word+char n-grams, class-balanced L2-SVM, CV-chosen λ and title weight)', ...score(rows, ours, perRepo), seconds: oursSec },
    { dataset, protocol, system: 'fastText (fasttext.wasm, epoch 25, lr 0.5, wordNgrams 2)', ...score(rows, peer, perRepo), seconds: peerSec },
  ];
}

export async function runQuality(opts: { quick?: boolean; log?: (m: string) => void } = {}): Promise<QualityRow[]> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const ft = await FastText.create();
  const out: QualityRow[] = [];
  const corefx = readJsonl(join(DATA, 'corefx-area-train.jsonl'));
  out.push(...(await crossValidate('dotnet/corefx areas (22 labels)', corefx, opts.quick ? 3 : 5, false, ft, log)));
  if (!opts.quick) {
    const nlbse = readJsonl(join(DATA, 'nlbse24-train.jsonl'));
    out.push(...(await crossValidate("NLBSE'24 (5 repos × bug/feature/question)", nlbse, 5, true, ft, log)));
  }
  return out;
}

export function toMarkdown(rows: QualityRow[]): string {
  const lines = ['| data set | protocol | system | score | macro-F1 | accuracy | train+predict s |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.dataset} | ${r.protocol} | ${r.system} | ${r.score.toFixed(4)} | ${r.macroF1.toFixed(4)} | ${r.accuracy.toFixed(4)} | ${r.seconds.toFixed(1)} |`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const rows = await runQuality({ quick });
  const md = toMarkdown(rows);
  process.stdout.write(md + '\n');
  const file = join(ROOT, 'bench', 'results', 'quality.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ command: `npx tsx bench/quality.ts${quick ? ' --quick' : ''}`, generatedAt: new Date().toISOString(), rows }, null, 2) + '\n');
  process.stderr.write(`wrote ${file}\n`);
}
