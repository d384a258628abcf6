/**
 * `label-bot backfill owner/repo`: the bot over existing issues, through the worker's model resolution and the
 * shared idempotent labeler. Docs: docs/ops.md.
 */
import { Option, type Command } from 'commander';
import { runBackfill } from '../../ops/backfill';
import { openRowWriter, renderBackfillSummary, renderBackfillTable, type RowWriter } from '../../ops/backfill-output';
import { defaultCheckpointPath } from '../../ops/checkpoint';
import { cliOctokit, parseRepoArg } from '../../ops/cli-github';
import { cliLogger, processIo, type OpsIo } from '../../ops/cli-io';
import { chooseModel } from '../../ops/model-source';
import { storeFromCli } from '../../registry/cli-support';
import { defaultModelLoaders } from '../../ops/ml-loaders';

export interface BackfillCliOptions {
  since?: string;
  state: 'open' | 'all';
  dryRun?: boolean;
  model?: string;
  bucket?: string;
  out?: string;
  stateFile?: string;
  checkpoint?: boolean;
  table?: boolean;
}

/** Returns the exit code: 0 done, 1 failed (resumable when not a dry run). */
export async function backfillCli(repoArg: string, opts: BackfillCliOptions, io: OpsIo): Promise<number> {
  const log = cliLogger('backfill', io.env);
  const dryRun = opts.dryRun === true;
  let checkpointPath: string | null = null;
  let started = false;
  let writer: RowWriter | null = null;
  try {
    const { owner, repo } = parseRepoArg(repoArg);
    // An explicit --model wins over the LABEL_BOT_BUCKET default (docs/gcp.md has operators export it); only
    // --model with an explicit --bucket is a contradiction.
    const bucket = opts.bucket ?? (opts.model ? undefined : io.env.LABEL_BOT_BUCKET);
    const model = await chooseModel({
      owner,
      repo,
      ...(opts.model ? { modelDir: opts.model } : {}),
      ...(bucket
        ? {
            store: storeFromCli(
              bucket,
              { stdout: (t) => io.stdout.write(t), stderr: (t) => io.stderr.write(t), env: io.env },
              io.storage,
            ),
          }
        : {}),
      ...(io.env.BUNDLED_MODEL_DIR ? { bundledDir: io.env.BUNDLED_MODEL_DIR } : {}),
      loaders: io.loaders ?? (await defaultModelLoaders()),
      log,
    });
    const octokit =
      io.octokit ??
      (await cliOctokit(owner, repo, { env: io.env, logger: log, ...(io.sleep ? { sleep: io.sleep } : {}) }));
    checkpointPath =
      dryRun || opts.checkpoint === false ? null : (opts.stateFile ?? defaultCheckpointPath(`${owner}/${repo}`));
    io.stderr.write(
      `backfill ${owner}/${repo}: ${dryRun ? 'DRY RUN (no writes)' : 'labeling'} with model ${model.classifier.version} ` +
        `from ${model.origin}${checkpointPath ? `; checkpoint ${checkpointPath}` : ''}\n`,
    );
    if (opts.out) writer = await openRowWriter(opts.out);
    const rowWriter = writer;
    started = true;
    const summary = await runBackfill(octokit, {
      owner,
      repo,
      state: opts.state,
      ...(opts.since ? { since: opts.since } : {}),
      dryRun,
      classifier: model.classifier,
      source: model.source,
      checkpointPath,
      progressStream: io.stderr,
      logger: log,
      ...(rowWriter ? { onRow: (row) => rowWriter.write(row) } : {}),
    });
    if (opts.table !== false && summary.rows.length > 0)
      io.stdout.write(`${renderBackfillTable(summary.rows, dryRun)}\n\n`);
    io.stdout.write(`${renderBackfillSummary(summary, dryRun)}${opts.out ? ` Rows: ${opts.out}` : ''}\n`);
    return 0;
  } catch (err) {
    const hint =
      started && checkpointPath ? ` Progress is saved in ${checkpointPath}: rerun the same command to resume.` : '';
    io.stderr.write(`backfill failed: ${(err as Error).message}.${hint}\n`);
    return 1;
  } finally {
    await writer?.close();
  }
}

export function register(program: Command, io: OpsIo = processIo()): void {
  program
    .command('backfill')
    .description('predict (and, without --dry-run, apply) labels for existing issues, as the worker would')
    .argument('<repo>', 'owner/repo')
    .option('--since <date>', 'only issues created at or after this date (ISO 8601)')
    .addOption(new Option('--state <state>', 'which issues').choices(['open', 'all']).default('open'))
    .option('--dry-run', 'write nothing to GitHub; show what would be done')
    .option('--model <dir>', 'use a local model directory instead of the registry')
    .option('--bucket <bucket>', 'GCS model registry bucket (default: $LABEL_BOT_BUCKET)')
    .option('--out <file>', 'also write every row to a .csv or .jsonl file')
    .option('--state-file <file>', 'checkpoint file for resuming (default: .label-bot/backfill-<owner>__<repo>.json)')
    .option('--no-checkpoint', 'do not read or write a checkpoint')
    .option('--no-table', 'print only the summary line, not the per-issue table')
    .action(async (repoArg: string, opts: BackfillCliOptions) => {
      process.exitCode = await backfillCli(repoArg, opts, io);
    });
}
