/**
 * Quality benchmark: our trainer vs a fastText peer, cross-validated on the same folds in the same run.
 *
 *   npx tsx bench/quality.ts [--quick] [--tune-nlbse]
 *
 * Prints a Markdown table and writes bench/results/quality.json (quality.quick.json with --quick). Data: ../shared/data (read-only).
 * - corefx areas (22 labels): macro-F1 and accuracy, 5-fold stratified CV (3 folds with --quick).
 * - NLBSE'24 (per repo, mean over repos of macro-F1), 5-fold CV (skipped with --quick).
 * The fastText peer is fasttext.wasm (the official C++ fastText compiled to WebAssembly; its embind
 * `FastText.train` does supervised training in Node), single-threaded with a fixed seed, in two rows:
 * - untuned: the fastText tutorial's text-classification settings (epoch 25, lr 0.5, wordNgrams 2, dim 100, softmax);
 * - tuned: inside each outer training fold, settings chosen by a 3-fold inner stratified CV (macro-F1) over a small
 *   grid (bench/peers/fasttext-cv.ts), then refit on the whole outer training fold — as our trainer chooses λ and the
 *   title weight. corefx only by default; `--tune-nlbse` adds it per repo for NLBSE (about 25 tunings: slow).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastText } from 'fasttext.wasm';
import { readJsonl, stratifiedFolds, type LabeledIssue } from '../src/ml/dataset';
import { featurize } from '../src/ml/featurizer';
import { computeMetrics } from '../src/ml/metrics';
import { scoreVector } from '../src/ml/linear-scorer';
import { trainModel, trainPerRepo, type TrainedModel } from '../src/ml/train';
import {
  fastTextFitPredict,
  fastTextSearch,
  searchLabel,
  settingLabel,
  tuneFastText,
  TUTORIAL_SETTING,
  type FtModule,
  type FtSearch,
  type FtSetting,
} from './peers/fasttext-cv';

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
  /** The tuned peer only: the setting its inner CV chose in each outer fold (per repo with --tune-nlbse). */
  tuning?: FoldTuning[];
}

export interface FoldTuning {
  fold: number;
  repo?: string;
  chosen: FtSetting;
  label: string;
  innerMacroF1: number;
  settingsTried: number;
}

function argmax(model: TrainedModel, r: LabeledIssue): string {
  const s = scoreVector(model, featurize(r, model.featurizer));
  let best = 0;
  for (let c = 1; c < s.length; c++) if (s[c]! > s[best]!) best = c;
  return model.labels[best]!;
}

const INNER_FOLDS = 3;

function score(rows: LabeledIssue[], pred: string[], perRepo: boolean) {
  const labels = [...new Set(rows.flatMap((r) => r.labels))].sort();
  const all = computeMetrics(
    labels,
    rows.map((r) => r.labels),
    pred.map((p) => [p]),
  );
  if (!perRepo) return { score: all.macroF1, macroF1: all.macroF1, accuracy: all.accuracy };
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  const per = repos.map((repo) => {
    const idx = [...rows.keys()].filter((i) => rows[i]!.repo === repo);
    const l = [...new Set(idx.flatMap((i) => rows[i]!.labels))].sort();
    return computeMetrics(
      l,
      idx.map((i) => rows[i]!.labels),
      idx.map((i) => [pred[i]!]),
    ).macroF1;
  });
  return { score: per.reduce((a, b) => a + b, 0) / per.length, macroF1: all.macroF1, accuracy: all.accuracy };
}

/** Fits on `train` and predicts `test`, one model per repo when `perRepo` (how the NLBSE baselines were run). */
function peerPredict(
  rows: readonly LabeledIssue[],
  train: readonly LabeledIssue[],
  testIdx: readonly number[],
  perRepo: boolean,
  fitPredict: (train: readonly LabeledIssue[], test: readonly LabeledIssue[], repo?: string) => string[],
  into: string[],
): void {
  const groups = perRepo
    ? [...new Set(train.map((r) => r.repo))].map((repo) => ({
        repo,
        train: train.filter((r) => r.repo === repo),
        test: testIdx.filter((i) => rows[i]!.repo === repo),
      }))
    : [{ repo: undefined, train, test: testIdx }];
  for (const g of groups) {
    const pred = fitPredict(
      g.train,
      g.test.map((i) => rows[i]!),
      g.repo,
    );
    g.test.forEach((i, j) => (into[i] = pred[j]!));
  }
}

async function crossValidate(
  dataset: string,
  rows: LabeledIssue[],
  k: number,
  perRepo: boolean,
  ft: FtModule,
  search: FtSearch | null,
  log: (m: string) => void,
): Promise<QualityRow[]> {
  const fold = stratifiedFolds(rows, k, 1, (r) => `${r.repo}\u0000${r.labels.join(',')}`);
  const ours: string[] = new Array(rows.length);
  const peer: string[] = new Array(rows.length);
  const tuned: string[] = new Array(rows.length);
  const tuning: FoldTuning[] = [];
  let oursSec = 0;
  let peerSec = 0;
  let tunedSec = 0;
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
    peerPredict(rows, train, testIdx, perRepo, (tr, te) => fastTextFitPredict(ft, tr, te, TUTORIAL_SETTING), peer);
    peerSec += (performance.now() - t) / 1000;
    if (search) {
      t = performance.now();
      peerPredict(
        rows,
        train,
        testIdx,
        perRepo,
        (tr, te, repo) => {
          const r = tuneFastText(ft, tr, search, INNER_FOLDS, 1);
          tuning.push({
            fold: f + 1,
            ...(repo === undefined ? {} : { repo }),
            chosen: r.chosen,
            label: settingLabel(r.chosen),
            innerMacroF1: r.innerMacroF1,
            settingsTried: r.scores.length,
          });
          log(
            `${dataset}: fold ${f + 1}${repo === undefined ? '' : ` ${repo}`} fastText inner CV chose ${settingLabel(r.chosen)} (inner macro-F1 ${r.innerMacroF1.toFixed(4)})`,
          );
          return fastTextFitPredict(ft, tr, te, r.chosen);
        },
        tuned,
      );
      tunedSec += (performance.now() - t) / 1000;
    }
    log(`${dataset}: fold ${f + 1}/${k} done`);
  }
  const protocol = `${k}-fold CV${perRepo ? ', per repo' : ''}`;
  const out: QualityRow[] = [
    {
      dataset,
      protocol,
      system:
        'label-bot (hashed word+char n-grams, class-balanced linear model; loss, λ and title weight chosen by internal CV)',
      ...score(rows, ours, perRepo),
      seconds: oursSec,
    },
    {
      dataset,
      protocol,
      system: `fastText untuned (fasttext.wasm, tutorial settings: ${settingLabel(TUTORIAL_SETTING)})`,
      ...score(rows, peer, perRepo),
      seconds: peerSec,
    },
  ];
  if (search) {
    out.push({
      dataset,
      protocol,
      system: `fastText tuned by inner CV (fasttext.wasm; ${INNER_FOLDS} inner folds, macro-F1; ${searchLabel(search)})`,
      ...score(rows, tuned, perRepo),
      seconds: tunedSec,
      tuning,
    });
  }
  return out;
}

export async function runQuality(
  opts: { quick?: boolean; tuneNlbse?: boolean; log?: (m: string) => void } = {},
): Promise<QualityRow[]> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const ft = await FastText.create();
  const out: QualityRow[] = [];
  const corefx = readJsonl(join(DATA, 'corefx-area-train.jsonl'));
  out.push(
    ...(await crossValidate(
      'dotnet/corefx areas (22 labels)',
      corefx,
      opts.quick ? 3 : 5,
      false,
      ft,
      fastTextSearch(!!opts.quick),
      log,
    )),
  );
  if (!opts.quick) {
    const nlbse = readJsonl(join(DATA, 'nlbse24-train.jsonl'));
    out.push(
      ...(await crossValidate(
        "NLBSE'24 (5 repos × bug/feature/question)",
        nlbse,
        5,
        true,
        ft,
        opts.tuneNlbse ? fastTextSearch(false) : null,
        log,
      )),
    );
  }
  return out;
}

export function toMarkdown(rows: QualityRow[]): string {
  const lines = [
    '| data set | protocol | system | score | macro-F1 | accuracy | train+predict s |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.dataset} | ${r.protocol} | ${r.system} | ${r.score.toFixed(4)} | ${r.macroF1.toFixed(4)} | ${r.accuracy.toFixed(4)} | ${r.seconds.toFixed(1)} |`,
    );
  for (const r of rows.filter((x) => x.tuning?.length)) {
    lines.push(
      '',
      `Settings chosen by the tuned fastText's inner CV, ${r.dataset}:`,
      '',
      '| outer fold | setting | inner macro-F1 | settings tried |',
      '|---|---|---|---|',
    );
    for (const t of r.tuning!)
      lines.push(
        `| ${t.fold}${t.repo ? ` (${t.repo})` : ''} | ${t.label} | ${t.innerMacroF1.toFixed(4)} | ${t.settingsTried} |`,
      );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const tuneNlbse = process.argv.includes('--tune-nlbse');
  const t0 = performance.now();
  const rows = await runQuality({ quick, tuneNlbse });
  const totalSeconds = (performance.now() - t0) / 1000;
  const md = toMarkdown(rows);
  process.stdout.write(md + '\n');
  // Like the bench parts: a quick pass must not overwrite the figures of the last full run.
  const file = join(ROOT, 'bench', 'results', quick ? 'quality.quick.json' : 'quality.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        command: `npx tsx bench/quality.ts${quick ? ' --quick' : ''}${tuneNlbse ? ' --tune-nlbse' : ''}`,
        generatedAt: new Date().toISOString(),
        totalSeconds,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  process.stderr.write(`wrote ${file}\n`);
}
