/**
 * `label-bot check-config <file|owner/repo#N>…`: validates a config-issue body, a tracking-issue body or a
 * `.github/issue_label_bot.yaml` before it goes live, with the bot's own parsers and messages, as `file:line:` lines.
 * Files are checked offline; `owner/repo#N` reads that issue's body through the API (GITHUB_TOKEN or the app's
 * credentials, as for `report`). Exit 0 when everything is valid (warnings allowed), 1 otherwise. Docs: docs/helpers.md.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { checkConfigText, DEFAULT_MODEL_LABELS, formatFinding, type ConfigKind } from '../../config/config-check';
import { cliLogger, processIo, type OpsIo } from '../../ops/cli-io';

export interface CheckConfigCliOptions {
  kind?: string;
  modelLabels?: string;
}

const KINDS: readonly ConfigKind[] = ['config-issue', 'tracking-issue', 'repo-file'];
const ISSUE_ARG = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)#(\d+)$/;

function kindOf(source: string, given: string | undefined): ConfigKind {
  if (given !== undefined) {
    if (!(KINDS as readonly string[]).includes(given))
      throw new Error(`--kind must be one of ${KINDS.join(', ')}, got "${given}"`);
    return given as ConfigKind;
  }
  return /issue_label_bot\.ya?ml$/i.test(basename(source)) ? 'repo-file' : 'config-issue';
}

async function readSource(source: string, io: OpsIo): Promise<string> {
  const m = ISSUE_ARG.exec(source);
  if (!m) return readFile(source, 'utf8');
  const [, owner, repo, number] = m as unknown as [string, string, string, string];
  // Loaded here, not at the top: the GitHub client pulls in Probot (seconds), which checking a file never needs.
  const { cliGitHub } = await import('../../ops/cli-github');
  const octokit =
    io.octokit ?? (await cliGitHub(owner, repo, { env: io.env, logger: cliLogger('check-config', io.env) })).octokit;
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
    owner,
    repo,
    issue_number: Number(number),
  });
  return data.body ?? '';
}

export async function checkConfigCli(sources: string[], opts: CheckConfigCliOptions, io: OpsIo): Promise<number> {
  const modelLabels = opts.modelLabels
    ? opts.modelLabels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean)
    : DEFAULT_MODEL_LABELS;
  let failed = false;
  for (const source of sources) {
    let kind: ConfigKind;
    let text: string;
    try {
      kind = kindOf(source, opts.kind);
      text = await readSource(source, io);
    } catch (err) {
      io.stderr.write(`${source}: error: ${(err as Error).message}\n`);
      failed = true;
      continue;
    }
    const found = checkConfigText(kind, text, { modelLabels });
    for (const f of found) io.stdout.write(`${formatFinding(source, f)}\n`);
    const errors = found.filter((f) => f.severity === 'error').length;
    if (errors > 0) failed = true;
    const warnings = found.length - errors;
    io.stderr.write(
      `${source}: ${kind} ${errors > 0 ? `invalid (${errors} error${errors === 1 ? '' : 's'})` : 'valid'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`,
    );
  }
  return failed ? 1 : 0;
}

export function register(program: Command, io: OpsIo = processIo()): void {
  program
    .command('check-config')
    .description(
      'validate a config-issue body, a tracking-issue body or a .github/issue_label_bot.yaml before it goes live',
    )
    .argument('<sources...>', 'files, or owner/repo#N to read an issue body through the API')
    .option('--kind <kind>', `${KINDS.join(' | ')} (default: repo-file for *issue_label_bot.yaml, else config-issue)`)
    .option(
      '--model-labels <list>',
      `labels the model predicts, for checking label-alias keys (default ${DEFAULT_MODEL_LABELS.join(',')})`,
    )
    .action(async (sources: string[], opts: CheckConfigCliOptions) => {
      process.exitCode = await checkConfigCli(sources, opts, io);
    });
}
