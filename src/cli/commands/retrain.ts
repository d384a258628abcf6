/**
 * `label-bot retrain`: retrain the repos the config issue marks `retrain: true` from the labels humans left, and
 * publish only what beats the current model on the newest issues (src/ops/retrain.ts). Runs with no flags at all from
 * the CronJob's environment: CONFIG_ISSUE, LABEL_BOT_BUCKET, APP_ID + PRIVATE_KEY_PATH.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PRECISION_TARGET } from '../../ml/thresholds';
import { parseRepoArg } from '../../ops/cli-github';
import { retrain } from '../../ops/retrain';
import { warn } from '../warn';

interface Flags {
  config?: string;
  bucket?: string;
  workDir?: string;
  repo?: string;
  dryRun: boolean;
  holdoutShare: number;
  minPrecision: number;
  botLogin?: string;
}

const fraction = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`${name} must be a fraction between 0 and 1`);
  return x;
};

export function register(program: Command): void {
  program
    .command('retrain')
    .description(
      'retrain every repo marked `retrain: true` in the config issue from the labels humans left; publish only a model that beats the current one on the newest issues',
    )
    .option('--config <owner/repo#N>', 'the config issue (default: $CONFIG_ISSUE)')
    .option('--bucket <name>', 'GCS bucket of the model registry (default: $LABEL_BOT_BUCKET)')
    .option(
      '--work-dir <dir>',
      'downloads (resumable; later runs only re-read changed issues) and models, one folder per repo (default: label-bot-retrain under the OS temp dir)',
    )
    .option('--repo <owner/repo>', 'only this repo (it must be marked in the config issue)')
    .option('--dry-run', 'decide and report, never publish', false)
    .option(
      '--holdout-share <x>',
      'share of the newest issues (by creation time) both models are compared on',
      fraction('--holdout-share'),
      0.2,
    )
    .option(
      '--min-precision <x>',
      "the precision rule: the candidate's applied labels on the newest issues must be at least this precise",
      fraction('--min-precision'),
      DEFAULT_PRECISION_TARGET,
    )
    .option(
      '--bot-login <login>',
      "the bot's login, whose labels count only once a human confirmed them (default: $LABEL_BOT_LOGIN, else the app's own login, else every Bot account)",
    )
    .action(async (flags: Flags) => {
      if (flags.repo !== undefined) parseRepoArg(flags.repo);
      process.exitCode = await retrain({
        configIssue: flags.config ?? (process.env.CONFIG_ISSUE || undefined),
        bucket: flags.bucket,
        workDir: flags.workDir ?? join(tmpdir(), 'label-bot-retrain'),
        ...(flags.repo !== undefined ? { repo: flags.repo } : {}),
        dryRun: flags.dryRun,
        holdoutShare: flags.holdoutShare,
        minPrecision: flags.minPrecision,
        ...(flags.botLogin ? { botLogin: flags.botLogin } : {}),
        env: process.env,
        command: process.argv.slice(2).join(' '),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        onWarning: warn,
      });
    });
}
