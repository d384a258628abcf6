/**
 * The fastText peer of the quality bench (bench/quality.ts): fit on some rows and predict others with fasttext.wasm,
 * either with fixed settings or with settings chosen by an inner stratified CV on the training rows only — the same
 * protocol our trainer uses for λ and the title weight, so the comparison is not against a strawman.
 */
import type { FastText } from 'fasttext.wasm';
import { stratifiedFolds, type LabeledIssue } from '../../src/ml/dataset';
import { computeMetrics } from '../../src/ml/metrics';
import { gridOf, pickBest, type Scored } from '../lib/grid-search';

export type FtModule = Awaited<ReturnType<typeof FastText.create>>;

/** The fastText options the bench varies; everything else is fixed (dim 100, minCount 1, softmax, seed 1, 1 thread). */
export interface FtSetting {
  lr: number;
  epoch: number;
  wordNgrams: number;
  /** Character n-gram lengths; 0/0 = none. */
  minn: number;
  maxn: number;
}

/** The fastText tutorial's text-classification settings: the untuned peer. */
export const TUTORIAL_SETTING: FtSetting = { lr: 0.5, epoch: 25, wordNgrams: 2, minn: 0, maxn: 0 };

/**
 * What the inner CV searches. Char n-grams cost 10–20× a word-only fit in fasttext.wasm (27–76 s vs 1.4–5 s on
 * 1,030 corefx rows, measured on this 2-core box), so they are not crossed with the whole grid: the search is
 * coordinate-wise — first the `grid` of word-only settings, then the winner once more with `charNgrams`, kept only if
 * its inner score is strictly higher.
 */
export interface FtSearch {
  grid: FtSetting[];
  charNgrams: { minn: number; maxn: number } | null;
}

/**
 * Full: lr {0.1, 0.5, 1.0} × epoch {25, 50} × wordNgrams {1, 2} (12 word-only settings), then char 3–6-grams on the
 * winner: 13 settings × inner folds. Quick: lr {0.5, 1.0} × wordNgrams {1, 2} at epoch 25 and no char stage, so
 * `--quick` still exercises the tuning path in about a minute.
 */
export function fastTextSearch(quick: boolean): FtSearch {
  const axes = quick
    ? { lr: [0.5, 1.0], epoch: [25], wordNgrams: [1, 2], minn: [0], maxn: [0] }
    : { lr: [0.1, 0.5, 1.0], epoch: [25, 50], wordNgrams: [1, 2], minn: [0], maxn: [0] };
  return { grid: gridOf<FtSetting & Record<string, unknown>>(axes), charNgrams: quick ? null : { minn: 3, maxn: 6 } };
}

export function searchLabel(search: FtSearch): string {
  const values = (k: keyof FtSetting) => [...new Set(search.grid.map((s) => s[k]))].join(', ');
  const chars = search.charNgrams
    ? `, then char ${search.charNgrams.minn}–${search.charNgrams.maxn}-grams on the winner`
    : '';
  return `lr {${values('lr')}} × epoch {${values('epoch')}} × wordNgrams {${values('wordNgrams')}}${chars}`;
}

export function settingLabel(s: FtSetting): string {
  return `lr ${s.lr}, epoch ${s.epoch}, wordNgrams ${s.wordNgrams}, ${s.maxn > 0 ? `char ${s.minn}–${s.maxn}` : 'no char n-grams'}`;
}

/** fastText input: one line, lower-cased, whitespace collapsed (its tokenizer splits on whitespace only). */
function ftText(r: { title: string; body: string }): string {
  return `${r.title} ${r.body}`.toLowerCase().replace(/\s+/g, ' ').trim();
}

const ftLabel = (label: string) => `__label__${label.replace(/\s+/g, '_')}`;

interface WasmCore {
  Args: new () => Record<string, unknown>;
  FastText: new () => {
    train(a: unknown, cb: () => void): void;
    predict(t: string, k: number, th: number): { size(): number; get(i: number): [number, string]; delete(): void };
    delete(): void;
  };
  ModelName: Record<string, unknown>;
  LossName: Record<string, unknown>;
}

let fitCount = 0;

/** Trains one softmax model on `train` (first label of each row) and returns the top label for each of `test`. */
export function fastTextFitPredict(
  ft: FtModule,
  train: readonly LabeledIssue[],
  test: readonly LabeledIssue[],
  setting: FtSetting,
): string[] {
  const core = ft.core as unknown as WasmCore;
  const lines = train.map((r) => `${ftLabel(r.labels[0]!)} ${ftText(r)}`);
  // A fresh path per fit: fasttext.wasm reads an overwritten file's PREVIOUS content (checked: four fits of the same
  // path with labels X, Y, Z, W predict X, X, Y, Z), so reusing one path trained fold k on fold k-1's training rows,
  // which contain fold k's test rows, and inflated the peer's CV scores.
  const input = `/train-${++fitCount}.txt`;
  ft.fs.writeFile(input, lines.join('\n') + '\n');
  const a = new core.Args();
  Object.assign(a, {
    input,
    output: '/model',
    ...setting,
    dim: 100,
    minCount: 1,
    // As the fastText CLI does: no hash buckets when there are no word or char n-grams to hash (saves allocating
    // and initialising 2M × dim floats per fit; the model is otherwise the same).
    bucket: setting.wordNgrams <= 1 && setting.maxn === 0 ? 0 : 2_000_000,
    thread: 1,
    seed: 1,
    verbose: 0,
    model: core.ModelName.supervised,
    loss: core.LossName.softmax,
  });
  const m = new core.FastText();
  m.train(a, () => {});
  const labelOf = new Map(train.map((r) => [ftLabel(r.labels[0]!), r.labels[0]!]));
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

export interface TuningResult {
  chosen: FtSetting;
  /** Inner-CV macro-F1 of the chosen setting. */
  innerMacroF1: number;
  /** Every setting tried, in order, with its inner-CV macro-F1. */
  scores: Scored<FtSetting>[];
}

/**
 * Picks a setting by `k`-fold stratified CV on `train` alone (macro-F1 over the pooled inner predictions, labels =
 * those in `train`); ties go to the earlier setting, and the char n-gram variant must beat the word-only winner.
 */
export function tuneFastText(
  ft: FtModule,
  train: readonly LabeledIssue[],
  search: FtSearch,
  k: number,
  seed: number,
): TuningResult {
  const fold = stratifiedFolds(train, k, seed, (r) => r.labels.join(','));
  const labels = [...new Set(train.flatMap((r) => r.labels))].sort();
  const innerScore = (setting: FtSetting): Scored<FtSetting> => {
    const pred: string[] = new Array(train.length);
    for (let f = 0; f < k; f++) {
      const testIdx = [...train.keys()].filter((i) => fold[i] === f);
      const p = fastTextFitPredict(
        ft,
        train.filter((_, i) => fold[i] !== f),
        testIdx.map((i) => train[i]!),
        setting,
      );
      testIdx.forEach((i, j) => (pred[i] = p[j]!));
    }
    return {
      setting,
      score: computeMetrics(
        labels,
        train.map((r) => r.labels),
        pred.map((p) => [p]),
      ).macroF1,
    };
  };
  const scores = search.grid.map(innerScore);
  let best = pickBest(scores);
  if (search.charNgrams) {
    const withChars = innerScore({ ...best.setting, ...search.charNgrams });
    scores.push(withChars);
    best = pickBest([best, withChars]);
  }
  return { chosen: best.setting, innerMacroF1: best.score, scores };
}
