/**
 * `label-bot report owner/repo`: live precision per label from GitHub itself (label removals, 👍/👎 on the bot's
 * comment), per-label plots, and the shadow-model comparison. Docs: docs/ops.md.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliGitHub, parseRepoArg } from '../../ops/cli-github';
import { cliLogger, processIo, type OpsIo } from '../../ops/cli-io';
import { createProgress } from '../../ops/progress';
import { buildReport, renderReport } from '../../ops/report';

export interface ReportCliOptions {
  since?: string;
  out?: string;
  json?: boolean;
  shadowLog?: string;
  shadowLabels?: string;
  botLogin?: string;
  settleDays?: string;
}

export async function reportCli(repoArg: string, opts: ReportCliOptions, io: OpsIo): Promise<number> {
  const log = cliLogger('report', io.env);
  const { owner, repo } = parseRepoArg(repoArg);
  try {
    const shadowLog = opts.shadowLog ? await readFile(opts.shadowLog, 'utf8') : undefined;
    const gh = io.octokit
      ? { octokit: io.octokit, botLogin: null }
      : await cliGitHub(owner, repo, { env: io.env, logger: log, ...(io.sleep ? { sleep: io.sleep } : {}) });
    const octokit = gh.octokit;
    const progress = createProgress({ label: 'report: issues read', stream: io.stderr });
    // Explicit flag, then the environment, then the app's own identity when authenticated as the app.
    const botLogin = opts.botLogin ?? io.env.LABEL_BOT_LOGIN ?? gh.botLogin ?? undefined;
    const report = await buildReport(octokit, {
      owner,
      repo,
      ...(opts.since ? { since: opts.since } : {}),
      ...(botLogin ? { botLogin } : {}),
      ...(shadowLog !== undefined ? { shadowLog } : {}),
      ...(opts.shadowLabels
        ? {
            shadowLabels: opts.shadowLabels
              .split(',')
              .map((l) => l.trim())
              .filter(Boolean),
          }
        : {}),
      ...(opts.out ? { outDir: opts.out } : {}),
      ...(opts.settleDays ? { settleDays: parseSettleDays(opts.settleDays) } : {}),
      onIssue: (done, total) => progress.update(done, total),
    });
    progress.stop();
    io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`report failed: ${(err as Error).message}\n`);
    return 1;
  }
}

function parseSettleDays(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--settle-days must be a number of days ≥ 0, got ${text}`);
  return n;
}

export function register(program: Command, io: OpsIo = processIo()): void {
  program
    .command('report')
    .description('live precision per label measured from GitHub (label removals, 👍/👎 on the bot comment)')
    .argument('<repo>', 'owner/repo')
    .option('--since <date>', 'only labels the bot applied at or after this date (ISO 8601)')
    .option('--out <dir>', 'write one SVG plot per label (weekly precision) into this directory')
    .option('--json', 'print the whole report as one JSON object')
    .option('--settle-days <n>', 'leave out labels applied in the last N days (too recent to have been judged)')
    .option('--shadow-log <file>', "compare a shadow model's logged predictions (JSONL) with human labels")
    .option(
      '--shadow-labels <list>',
      'comma-separated labels to score in the shadow comparison even if never predicted',
    )
    .option(
      '--bot-login <login>',
      "the app's bot account, e.g. label-bot[bot] (default: $LABEL_BOT_LOGIN, else the app's own when using APP_ID, else any Bot)",
    )
    .action(async (repoArg: string, opts: ReportCliOptions) => {
      process.exitCode = await reportCli(repoArg, opts, io);
    });
}
