import { InvalidArgumentError, type Command } from 'commander';
import { dataHash, readJsonl, type LabeledIssue } from '../../ml/dataset';
import type { ModelCard } from '../../ml/model-format';
import {
  evaluateByRepo,
  evaluateClassifier,
  evaluateCv,
  evaluateTrainTest,
  type EvalReport,
  type ScoredRow,
} from '../../ml/evaluate';
import { splitByTime } from '../../ml/time-split';
import { addLabelOptions, filterLabels, labelFilterFrom, type LabelFlags } from '../label-options';
import { addTrainOptions, int, trainOptionsFrom, type TrainFlags } from '../options';
import { createProgress } from '../../ops/progress';
import { warn } from '../warn';

/** Below this many test rows per fold, a CV score swings with a single row. */
const MIN_ROWS_PER_FOLD = 5;

interface Flags extends TrainFlags, LabelFlags {
  train?: string;
  test?: string;
  model?: string;
  cv?: number;
  cvBy?: 'repo';
  perRepo?: boolean;
  json?: boolean;
  report?: string;
  split?: 'time';
  testShare: number;
}

function printHuman(r: EvalReport): void {
  const lines = [
    ...(r.split
      ? [
          `time split: trained on ${r.split.trainRows} issues created before ${r.split.cutoff}, scored on the newest ${r.split.testRows}`,
        ]
      : []),
    `score ${r.score.toFixed(4)} (${r.mode === 'loro' ? 'mean over held-out repos of macro-F1' : r.perRepo ? 'mean per-repo macro-F1' : 'macro-F1'}), accuracy ${r.accuracy.toFixed(4)}, n=${r.n}`,
    `  under thresholds: precision of applied labels ${r.applied.precision.toFixed(4)}, coverage ${r.applied.coverage.toFixed(4)}`,
  ];
  for (const [repo, g] of Object.entries(r.repos))
    lines.push(`  ${repo || '(no repo)'}: macro-F1 ${g.macroF1.toFixed(4)} accuracy ${g.accuracy.toFixed(4)} n=${g.n}`);
  for (const [l, m] of Object.entries(r.perLabel)) {
    lines.push(
      `  ${l}: P ${m.precision.toFixed(3)} R ${m.recall.toFixed(3)} F1 ${m.f1.toFixed(3)} support ${m.support}`,
    );
  }
  if (r.unknownLabelCount > 0)
    lines.push(`  unknown test labels: ${r.unknownLabelCount} (${Object.keys(r.unknownLabels).join(', ')})`);
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Whether `rows` are the model's training rows: the trainer hashes the rows it kept (labels it knows, rows left with
 * a label), so the test file is compared both as it is and reduced the same way.
 */
function isTrainingData(card: ModelCard, rows: readonly LabeledIssue[]): boolean {
  const known = new Set(card.labels);
  const reduced = rows
    .map((r) => ({ ...r, labels: r.labels.filter((l) => known.has(l)) }))
    .filter((r) => r.labels.length > 0);
  return dataHash(rows) === card.training.dataHash || dataHash(reduced) === card.training.dataHash;
}

/** Checked against the data before any training: more folds than rows cannot run, and tiny folds give a noisy score. */
function checkFolds(k: number, rows: number, file: string): void {
  if (k < 2) throw new Error(`--cv needs at least 2 folds, got ${k}`);
  if (k > rows)
    throw new Error(`--cv ${k} needs at least ${k} rows, but ${file} has ${rows}; use --cv 5 or 10 (at most ${rows})`);
  if (rows / k < MIN_ROWS_PER_FOLD) {
    warn(
      `--cv ${k} on ${rows} rows tests on about ${Math.floor(rows / k)} row(s) per fold; the score will be noisy (try --cv ${Math.max(2, Math.floor(rows / MIN_ROWS_PER_FOLD))} or fewer)`,
    );
  }
}

export function register(program: Command): void {
  addLabelOptions(
    addTrainOptions(
      program
        .command('eval')
        .description(
          'evaluate: --train F --test F | --train F --split time | --model DIR --test F | --train F --cv K | --train F --cv-by repo',
        )
        .option('--train <file>', 'labeled training JSONL')
        .option('--test <file>', 'labeled test JSONL')
        .option('--model <dir>', 'score a saved model directory instead of training')
        .option('--cv <k>', 'k-fold cross-validation on --train', int('--cv'))
        .option(
          '--cv-by <group>',
          "repo: leave-one-repo-out on --train with the universal model's recipe (src/ml/universal.ts): each repo scored by a model trained on the others; score = mean over repos",
          (v: string) => {
            if (v !== 'repo') throw new InvalidArgumentError('must be repo');
            return v as 'repo';
          },
        )
        .option(
          '--split <how>',
          'time: with --train only, train on the older issues by created_at and score the newest --test-share of them',
          (v: string) => {
            if (v !== 'time') throw new InvalidArgumentError('must be time');
            return v as 'time';
          },
        )
        .option(
          '--test-share <x>',
          'share of the newest issues held out by --split time',
          (v: string) => {
            if (!(Number(v) > 0 && Number(v) < 1))
              throw new InvalidArgumentError('must be a fraction between 0 and 1, e.g. 0.2');
            return Number(v);
          },
          0.2,
        )
        .option('--per-repo', 'one model per repo; score = mean over repos of macro-F1')
        .option('--json', 'print exactly one JSON object on stdout (progress and warnings go to stderr)')
        .option('--report <dir>', 'also write a Markdown model card and one precision-recall SVG per label to DIR'),
    ),
  ).action(async (flags: Flags) => {
    const labels = labelFilterFrom(flags);
    const read = (file: string, minLabels?: number) => filterLabels(readJsonl(file), labels, file, warn, minLabels);
    let report: EvalReport & { scored: ScoredRow[] };
    const bar = createProgress({ label: 'evaluating' });
    try {
      if (flags.model) {
        if (!flags.test) throw new Error('--model needs --test <file>');
        if (flags.train || flags.cv) throw new Error('--model cannot be combined with --train or --cv');
        // Loaded lazily: onnxruntime and vega are heavy, and most invocations (--help, training) need neither.
        const { loadClassifier } = await import('../../ml/onnx-classifier');
        const classifier = await loadClassifier(flags.model);
        const test = read(flags.test, 1);
        if (isTrainingData(classifier.card, test)) {
          warn(
            `${flags.test} is the data ${flags.model} was trained on (its model.json has the same training data hash): this score measures memory, not generalisation`,
          );
        }
        report = await evaluateClassifier(classifier, test);
      } else if (flags.train && flags.split === 'time') {
        if (flags.test || flags.cv !== undefined || flags.cvBy)
          throw new Error('--split time cannot be combined with --test, --cv or --cv-by');
        const { train, test, cutoff } = splitByTime(read(flags.train), flags.testShare, flags.train);
        const r = evaluateTrainTest(train, test, {
          perRepo: !!flags.perRepo,
          train: trainOptionsFrom(flags, warn, (d, t) => bar.update(d, t)),
          onWarning: warn,
        });
        report = {
          ...r,
          split: { by: 'time', testShare: flags.testShare, cutoff, trainRows: train.length, testRows: test.length },
        };
      } else if (flags.train && flags.cvBy === 'repo') {
        if (flags.test || flags.cv !== undefined || flags.perRepo)
          throw new Error('--cv-by repo cannot be combined with --test, --cv or --per-repo');
        // The universal model's recipe (src/ml/universal.ts), with the command line's training flags on top.
        const { UNIVERSAL_TRAIN_OPTIONS } = await import('../../ml/universal');
        const cli = trainOptionsFrom(flags, warn);
        const train = {
          ...UNIVERSAL_TRAIN_OPTIONS,
          ...cli,
          featurizer: { ...UNIVERSAL_TRAIN_OPTIONS.featurizer, ...cli.featurizer },
        };
        report = evaluateByRepo(read(flags.train), { train, onWarning: warn, onFold: (d, t) => bar.update(d, t) });
      } else if (flags.train && flags.cv !== undefined) {
        if (flags.test) throw new Error('--cv cannot be combined with --test');
        const rows = read(flags.train);
        checkFolds(flags.cv, rows.length, flags.train);
        report = evaluateCv(rows, flags.cv, {
          perRepo: !!flags.perRepo,
          seed: flags.seed,
          train: trainOptionsFrom(flags, warn),
          onWarning: warn,
          onFold: (d, t) => bar.update(d, t),
        });
      } else if (flags.train && flags.test) {
        const train = read(flags.train);
        const test = read(flags.test, 1);
        report = evaluateTrainTest(train, test, {
          perRepo: !!flags.perRepo,
          train: trainOptionsFrom(flags, warn, (d, t) => bar.update(d, t)),
          onWarning: warn,
        });
      } else {
        throw new Error(
          'give --train F --test F, --train F --split time, --model DIR --test F, --train F --cv K, or --train F --cv-by repo',
        );
      }
    } finally {
      bar.stop();
    }
    const { scored, ...json } = report;
    if (flags.report) {
      const { writeEvalReport } = await import('../../ml/report');
      const written = await writeEvalReport(flags.report, json, scored, { command: process.argv.slice(2).join(' ') });
      process.stderr.write(`report written: ${written.join(', ')}\n`);
    }
    if (flags.json) process.stdout.write(JSON.stringify(json) + '\n');
    else printHuman(json);
  });
}
