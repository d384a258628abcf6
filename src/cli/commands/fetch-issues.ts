import type { Command } from 'commander';
import { fetchIssuesToFile, NO_TOKEN } from '../../ops/github-issues';
import { createProgress } from '../../ops/progress';
import { int } from '../options';
import { warn } from '../warn';

interface Flags {
  out: string;
  state: 'all' | 'open' | 'closed';
  max?: number;
  apiUrl: string;
}

export function register(program: Command): void {
  program
    .command('fetch-issues')
    .description("download a repo's issues (open and closed, pull requests excluded) as JSONL; token from GITHUB_TOKEN")
    .argument('<owner/repo>', 'repository')
    .requiredOption('--out <file>', 'output JSONL file')
    .option('--state <state>', 'all | open | closed', 'all')
    .option('--max <n>', 'stop after this many issues', int('--max'))
    .option(
      '--api-url <url>',
      'GitHub REST base URL (GitHub Enterprise)',
      process.env.GITHUB_API_URL ?? 'https://api.github.com',
    )
    .action(async (repo: string, flags: Flags) => {
      if (!process.env.GITHUB_TOKEN) warn(NO_TOKEN);
      const bar = createProgress({ label: 'fetch-issues', ...(flags.max !== undefined ? { total: flags.max } : {}) });
      const n = await fetchIssuesToFile(repo, flags.out, {
        token: process.env.GITHUB_TOKEN,
        state: flags.state,
        max: flags.max,
        apiUrl: flags.apiUrl,
        onPage: (page, total) =>
          bar.update(flags.max === undefined ? total : Math.min(total, flags.max), flags.max, `issues (page ${page})`),
        onWait: (ms, why) => process.stderr.write(`rate limited (${why}): waiting ${Math.ceil(ms / 1000)} s\n`),
      }).finally(() => bar.stop());
      process.stderr.write(`${flags.out}: ${n} issues\n`);
    });
}
