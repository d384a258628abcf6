/** `label-bot rollback owner/repo [--to VERSION]`: move the pointer back to the previous (or a given) version. */
import type { Command } from 'commander';
import { parseScope, PublishRefusedError, rollbackModel } from '../../registry';
import { processRegistryIo, storeFromCli, type RegistryCliIo } from '../../registry/cli-support';

export interface RollbackCliOptions {
  bucket?: string;
  to?: string;
}

export async function rollbackCli(
  scope: string,
  opts: RollbackCliOptions,
  io: RegistryCliIo = processRegistryIo,
): Promise<number> {
  try {
    const store = storeFromCli(opts.bucket, io);
    const result = await rollbackModel({ store, scope: parseScope(scope), ...(opts.to ? { to: opts.to } : {}) });
    io.stdout(`rolled back ${scope}: ${result.from} → ${result.to}\n`);
    return 0;
  } catch (err) {
    io.stderr(`rollback failed: ${(err as Error).message}\n`);
    return err instanceof PublishRefusedError ? 2 : 1;
  }
}

export function register(program: Command): void {
  program
    .command('rollback')
    .description(
      "move a repo's model pointer back to its previous version (workers pick it up within MODEL_POINTER_TTL_SECONDS)",
    )
    .argument('<scope>', "owner/repo, owner/* or '*'")
    .option('--bucket <name>', 'GCS bucket (default: $LABEL_BOT_BUCKET)')
    .option('--to <version>', 'roll back (or forward) to this exact version')
    .action(async (scope: string, opts: RollbackCliOptions) => {
      process.exitCode = await rollbackCli(scope, opts);
    });
}
