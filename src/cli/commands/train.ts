import { join } from 'node:path';
import type { Command } from 'commander';
import { readJsonl } from '../../ml/dataset';
import { writeModelDir } from '../../ml/model-io';
import { trainModel, trainPerRepo } from '../../ml/train';
import { addLabelOptions, filterLabels, labelFilterFrom, type LabelFlags } from '../label-options';
import { addTrainOptions, trainOptionsFrom, type TrainFlags } from '../options';
import { createProgress } from '../../ops/progress';
import { warn } from '../warn';

interface Flags extends TrainFlags, LabelFlags {
  data: string;
  out: string;
  perRepo?: boolean;
  name?: string;
}

export function register(program: Command): void {
  addLabelOptions(addTrainOptions(
    program
      .command('train')
      .description('train a model (or one per repo) from labeled JSONL and write model.onnx + model.json')
      .requiredOption('--data <file>', 'labeled issues, JSONL: {"repo","title","body","labels":[...]}')
      .requiredOption('--out <dir>', 'output model directory (per repo: <dir>/<owner>/<repo>/)')
      .option('--per-repo', 'train one model per repo (pooled with repo-specific features when label sets match)')
      .option('--name <name>', 'model name in model.json and the version string (default: the --out directory name)'),
  )).action((flags: Flags) => {
    const labels = labelFilterFrom(flags);
    const rows = filterLabels(readJsonl(flags.data), labels, flags.data, warn);
    const bar = createProgress({ label: 'training' });
    const opts = trainOptionsFrom(flags, warn, (d, t) => bar.update(d, t));
    try {
      if (flags.perRepo) {
        const models = trainPerRepo(rows, opts);
        for (const [repo, model] of models) {
          if (!/^[^/\s]+\/[^/\s]+$/.test(repo)) throw new Error(`--per-repo needs "repo": "owner/name" on every row; got "${repo}"`);
          const dir = join(flags.out, repo);
          const card = writeModelDir(dir, model, { name: repo, seed: flags.seed });
          process.stderr.write(`${dir}: ${card.labels.length} labels, held-out macro-F1 ${card.metrics.heldOut.macroF1.toFixed(3)}\n`);
        }
      } else {
        const model = trainModel(rows, opts);
        const name = flags.name ?? (flags.out.replace(/\/+$/, '').split('/').pop() || 'model');
        const card = writeModelDir(flags.out, model, { name, seed: flags.seed });
        process.stderr.write(`${flags.out}: ${card.labels.length} labels, held-out macro-F1 ${card.metrics.heldOut.macroF1.toFixed(3)}\n`);
      }
    } finally {
      bar.stop();
    }
  });
}
