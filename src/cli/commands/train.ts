import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readJsonl, type LabeledIssue } from '../../ml/dataset';
import { writeModelDir } from '../../ml/model-io';
import { trainModel, trainPerRepo, type TrainedModel } from '../../ml/train';
import { trainingCardMarkdown } from '../../ml/training-card';
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

function repoCounts(rows: readonly LabeledIssue[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.repo] = (counts[r.repo] ?? 0) + 1;
  return counts;
}

/** The data's repo when every row has the same one (a model of facebook/react is called that), else the --out folder. */
function defaultName(repos: Record<string, number>, out: string): string {
  const names = Object.keys(repos);
  if (names.length === 1 && names[0] !== '') return names[0]!;
  return out.replace(/\/+$/, '').split('/').pop() || 'model';
}

/** Checked before training, so a wrong --out does not cost a training run. */
function checkOutDir(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new Error(`--out ${out} is a file; give a directory (train writes model.onnx and model.json inside it)`);
  }
}

export function register(program: Command): void {
  addLabelOptions(
    addTrainOptions(
      program
        .command('train')
        .description(
          'train a model (or one per repo) from labeled JSONL and write model.onnx + model.json + MODEL_CARD.md',
        )
        .requiredOption('--data <file>', 'labeled issues, JSONL: {"repo","title","body","labels":[...]}')
        .requiredOption('--out <dir>', 'output model directory (per repo: <dir>/<owner>/<repo>/)')
        .option('--per-repo', 'train one model per repo (pooled with repo-specific features when label sets match)')
        .option(
          '--name <name>',
          "model name in model.json and the version string (default: the data's repo when all rows share one, else the --out directory name)",
        ),
    ),
  ).action((flags: Flags) => {
    checkOutDir(flags.out);
    const labels = labelFilterFrom(flags);
    const rows = filterLabels(readJsonl(flags.data), labels, flags.data, warn);
    const repos = repoCounts(rows);
    const badRepo = Object.keys(repos).find((r) => !/^[^/\s]+\/[^/\s]+$/.test(r));
    if (flags.perRepo && badRepo !== undefined)
      throw new Error(`--per-repo needs "repo": "owner/name" on every row; got "${badRepo}"`);
    const provenance = {
      dataFile: flags.data,
      fileSha256: createHash('sha256').update(readFileSync(flags.data)).digest('hex'),
      repos,
      command: process.argv.slice(2).join(' '),
    };
    const write = (dir: string, model: TrainedModel, name: string): void => {
      const card = writeModelDir(dir, model, { name, seed: flags.seed });
      writeFileSync(join(dir, 'MODEL_CARD.md'), trainingCardMarkdown(card, provenance));
      process.stderr.write(
        `${dir}: ${card.name}, ${card.labels.length} labels, held-out macro-F1 ${card.metrics.heldOut.macroF1.toFixed(3)}; model card ${join(dir, 'MODEL_CARD.md')}\n`,
      );
    };
    const bar = createProgress({ label: 'training' });
    const opts = trainOptionsFrom(flags, warn, (d, t) => bar.update(d, t));
    try {
      if (flags.perRepo) {
        for (const [repo, model] of trainPerRepo(rows, opts)) write(join(flags.out, repo), model, repo);
      } else {
        write(flags.out, trainModel(rows, opts), flags.name ?? defaultName(repos, flags.out));
      }
    } finally {
      bar.stop();
    }
  });
}
