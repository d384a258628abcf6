/** `label-bot publish owner/repo DIR`: upload a model directory as a new version, then move the pointer. */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PRECISION_TARGET } from '../../ml/thresholds';
import { holdoutGuardForDir } from '../../ops/holdout-guard';
import { parseScope, publishModel, PublishRefusedError, type PublishGuard } from '../../registry';
import { processRegistryIo, storeFromCli, type RegistryCliIo } from '../../registry/cli-support';

export interface PublishCliOptions {
  bucket?: string;
  force?: boolean;
  /** Compare candidate and current on the newest `holdoutShare` of this JSONL file instead of their CV scores. */
  holdoutData?: string;
  holdoutShare?: number;
  minPrecision?: number;
}

/** Four decimals, like `eval` and `models list`. */
const score = (s: number | null): string => (s === null ? 'n/a' : s.toFixed(4));

const fraction = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`${name} must be a fraction between 0 and 1`);
  return x;
};

export async function publishCli(
  scope: string,
  dir: string,
  opts: PublishCliOptions,
  io: RegistryCliIo = processRegistryIo,
): Promise<number> {
  try {
    const store = storeFromCli(opts.bucket, io);
    const parsed = parseScope(scope);
    let guard: PublishGuard | undefined;
    let verdict = '';
    if (opts.holdoutData !== undefined && !opts.force) {
      const g = await holdoutGuardForDir({
        dir,
        dataFile: opts.holdoutData,
        share: opts.holdoutShare ?? 0.2,
        store,
        scope: parsed,
        minPrecision: opts.minPrecision ?? DEFAULT_PRECISION_TARGET,
      });
      if (g.note) io.stderr(`note: ${g.note}\n`);
      guard = async (current) => {
        const v = await g.judge(current);
        verdict = `; on the newest ${g.holdout.n} issues of ${opts.holdoutData} (from ${g.holdout.cutoff}): ${v.reason}`;
        return v;
      };
    }
    const result = await publishModel({
      store,
      scope: parsed,
      dir,
      force: opts.force === true,
      ...(guard ? { guard } : {}),
    });
    if (result.unchanged) {
      io.stdout(
        `unchanged: ${scope} is already at ${result.version}, the same model (score ${score(result.score)}); nothing published\n`,
      );
      return 0;
    }
    io.stdout(
      `published ${scope} ${result.version} (score ${score(result.score)}` +
        (result.previous ? `, previous ${result.previous} score ${score(result.previousScore)}` : '') +
        `) → ${result.location}${verdict}\n`,
    );
    return 0;
  } catch (err) {
    io.stderr(`publish failed: ${(err as Error).message}\n`);
    return err instanceof PublishRefusedError ? 2 : 1;
  }
}

export function register(program: Command): void {
  program
    .command('publish')
    .description(
      'upload a model directory (model.onnx + model.json) as a new version in GCS, then move the current pointer',
    )
    .argument('<scope>', "owner/repo, owner/* (org fallback) or '*' (universal)")
    .argument('<dir>', 'model directory')
    .option('--bucket <name>', 'GCS bucket (default: $LABEL_BOT_BUCKET)')
    .option(
      '--force',
      'publish even if the guard (CV scores, or --holdout-data) says the current model is better',
      false,
    )
    .option(
      '--holdout-data <file>',
      'JSONL with created_at (fetch-issues): publish only if the model beats the current one on its newest issues ' +
        '(macro-F1) and its applied labels there meet --min-precision; without it the model.json CV scores are compared',
    )
    .option(
      '--holdout-share <x>',
      'share of the newest issues of --holdout-data to compare on',
      fraction('--holdout-share'),
      0.2,
    )
    .option(
      '--min-precision <x>',
      'with --holdout-data: the precision rule for the labels the model applies on the newest issues',
      fraction('--min-precision'),
      DEFAULT_PRECISION_TARGET,
    )
    .action(async (scope: string, dir: string, opts: PublishCliOptions) => {
      process.exitCode = await publishCli(scope, dir, opts);
    });
}
