import { InvalidArgumentError, type Command } from 'commander';
import { readJsonl } from '../../ml/dataset';
import { evaluateByRepo, evaluateClassifier, evaluateCv, evaluateTrainTest, type EvalReport, type ScoredRow } from '../../ml/evaluate';
import { addLabelOptions, filterLabels, labelFilterFrom, type LabelFlags } from '../label-options';
import { addTrainOptions, int, trainOptionsFrom, type TrainFlags } from '../options';
import { createProgress } from '../../ops/progress';
import { warn } from '../warn';

interface Flags extends TrainFlags, LabelFlags {
  train?: string;
  test?: string;
  model?: string;
  cv?: number;
  cvBy?: 'repo';
  perRepo?: boolean;
  json?: boolean;
  report?: string;
}

function printHuman(r: EvalReport): void {
  const lines = [
    `score ${r.score.toFixed(4)} (${r.mode === 'loro' ? 'mean over held-out repos of macro-F1' : r.perRepo ? 'mean per-repo macro-F1' : 'macro-F1'}), accuracy ${r.accuracy.toFixed(4)}, n=${r.n}`,
    `  under thresholds: precision of applied labels ${r.applied.precision.toFixed(4)}, coverage ${r.applied.coverage.toFixed(4)}`,
  ];
  for (const [repo, g] of Object.entries(r.repos)) lines.push(`  ${repo || '(no repo)'}: macro-F1 ${g.macroF1.toFixed(4)} accuracy ${g.accuracy.toFixed(4)} n=${g.n}`);
  for (const [l, m] of Object.entries(r.perLabel)) {
    lines.push(`  ${l}: P ${m.precision.toFixed(3)} R ${m.recall.toFixed(3)} F1 ${m.f1.toFixed(3)} support ${m.support}`);
  }
  if (r.unknownLabelCount > 0) lines.push(`  unknown test labels: ${r.unknownLabelCount} (${Object.keys(r.unknownLabels).join(', ')})`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  addLabelOptions(addTrainOptions(
    program
      .command('eval')
      .description('evaluate: --train F --test F | --model DIR --test F | --train F --cv K | --train F --cv-by repo')
      .option('--train <file>', 'labeled training JSONL')
      .option('--test <file>', 'labeled test JSONL')
      .option('--model <dir>', 'score a saved model directory instead of training')
      .option('--cv <k>', 'k-fold cross-validation on --train', int('--cv'))
      .option('--cv-by <group>', 'repo: leave-one-repo-out on --train with the universal model\'s recipe (src/ml/universal.ts): each repo scored by a model trained on the others; score = mean over repos', (v: string) => {
        if (v !== 'repo') throw new InvalidArgumentError('must be repo');
        return v as 'repo';
      })
      .option('--per-repo', 'one model per repo; score = mean over repos of macro-F1')
      .option('--json', 'print exactly one JSON object on stdout (progress and warnings go to stderr)')
      .option('--report <dir>', 'also write a Markdown model card and one precision-recall SVG per label to DIR'),
  )).action(async (flags: Flags) => {
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
        report = await evaluateClassifier(classifier, read(flags.test, 1));
      } else if (flags.train && flags.cvBy === 'repo') {
        if (flags.test || flags.cv !== undefined || flags.perRepo) throw new Error('--cv-by repo cannot be combined with --test, --cv or --per-repo');
        // The universal model's recipe (src/ml/universal.ts), with the command line's training flags on top.
        const { UNIVERSAL_TRAIN_OPTIONS } = await import('../../ml/universal');
        const cli = trainOptionsFrom(flags, warn);
        const train = { ...UNIVERSAL_TRAIN_OPTIONS, ...cli, featurizer: { ...UNIVERSAL_TRAIN_OPTIONS.featurizer, ...cli.featurizer } };
        report = evaluateByRepo(read(flags.train), { train, onWarning: warn, onFold: (d, t) => bar.update(d, t) });
      } else if (flags.train && flags.cv !== undefined) {
        if (flags.test) throw new Error('--cv cannot be combined with --test');
        const rows = read(flags.train);
        report = evaluateCv(rows, flags.cv, { perRepo: !!flags.perRepo, seed: flags.seed, train: trainOptionsFrom(flags, warn), onWarning: warn, onFold: (d, t) => bar.update(d, t) });
      } else if (flags.train && flags.test) {
        const train = read(flags.train);
        const test = read(flags.test, 1);
        report = evaluateTrainTest(train, test, { perRepo: !!flags.perRepo, train: trainOptionsFrom(flags, warn, (d, t) => bar.update(d, t)), onWarning: warn });
      } else {
        throw new Error('give --train F --test F, --model DIR --test F, --train F --cv K, or --train F --cv-by repo');
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
