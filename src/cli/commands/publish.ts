/** `label-bot publish owner/repo DIR`: upload a model directory as a new version, then move the pointer. */
import type { Command } from 'commander';
import { parseScope, publishModel, PublishRefusedError } from '../../registry';
import { processRegistryIo, storeFromCli, type RegistryCliIo } from '../../registry/cli-support';

export interface PublishCliOptions {
  bucket?: string;
  force?: boolean;
}

/** Four decimals, like `eval` and `models list`. */
const score = (s: number | null): string => (s === null ? 'n/a' : s.toFixed(4));

export async function publishCli(
  scope: string,
  dir: string,
  opts: PublishCliOptions,
  io: RegistryCliIo = processRegistryIo,
): Promise<number> {
  try {
    const store = storeFromCli(opts.bucket, io);
    const result = await publishModel({ store, scope: parseScope(scope), dir, force: opts.force === true });
    if (result.unchanged) {
      io.stdout(
        `unchanged: ${scope} is already at ${result.version}, the same model (score ${score(result.score)}); nothing published\n`,
      );
      return 0;
    }
    io.stdout(
      `published ${scope} ${result.version} (score ${score(result.score)}` +
        (result.previous ? `, previous ${result.previous} score ${score(result.previousScore)}` : '') +
        `) → ${result.location}\n`,
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
    .option('--force', 'publish even if the held-out score is worse than the current model', false)
    .action(async (scope: string, dir: string, opts: PublishCliOptions) => {
      process.exitCode = await publishCli(scope, dir, opts);
    });
}
