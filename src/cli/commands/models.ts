/** `label-bot models list owner/repo`: published versions with their held-out score; the current one marked. */
import type { Command } from 'commander';
import { listModels, parseScope } from '../../registry';
import { processRegistryIo, storeFromCli, type RegistryCliIo } from '../../registry/cli-support';

export interface ModelsListOptions {
  bucket?: string;
  json?: boolean;
}

export async function modelsListCli(
  scope: string,
  opts: ModelsListOptions,
  io: RegistryCliIo = processRegistryIo,
): Promise<number> {
  try {
    const store = storeFromCli(opts.bucket, io);
    const listing = await listModels(store, parseScope(scope));
    if (opts.json) {
      io.stdout(JSON.stringify(listing) + '\n');
      return 0;
    }
    if (listing.versions.length === 0) {
      io.stdout(`no models published for ${scope}\n`);
      return 0;
    }
    const rows = listing.versions.map((v) => [
      v.current ? '*' : ' ',
      v.version,
      v.score === null ? 'n/a' : v.score.toFixed(4),
      v.createdAt ?? '',
      v.labels.join(','),
    ]);
    const header = [' ', 'version', 'score', 'created_at', 'labels'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n';
    io.stdout(line(header) + rows.map(line).join(''));
    return 0;
  } catch (err) {
    io.stderr(`models list failed: ${(err as Error).message}\n`);
    return 1;
  }
}

export function register(program: Command): void {
  const models = program.command('models').description('inspect models published to GCS');
  models
    .command('list')
    .description('list published versions with held-out scores; * marks the current one')
    .argument('<scope>', "owner/repo, owner/* or '*'")
    .option('--bucket <name>', 'GCS bucket (default: $LABEL_BOT_BUCKET)')
    .option('--json', 'print one JSON object', false)
    .action(async (scope: string, opts: ModelsListOptions) => {
      process.exitCode = await modelsListCli(scope, opts);
    });
}
