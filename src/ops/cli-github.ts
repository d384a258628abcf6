/**
 * The GitHub client for operator commands (backfill, report): a personal/installation token (GITHUB_TOKEN) or the
 * app's own credentials (APP_ID + PRIVATE_KEY/PRIVATE_KEY_PATH, installation looked up from the repo or given as
 * INSTALLATION_ID). GITHUB_API_URL points it at GitHub Enterprise or another GitHub-compatible API.
 */
import { ProbotOctokit } from 'probot';
import { appCredentialsFromEnv, createOctokitFactory } from '../github/octokit';
import type { Logger } from '../log/logger';
import type { GitHubClient } from '../vocabulary';
import { guardRateLimit, type Sleep } from './rate-limit';

export interface CliGitHubOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** How to wait out a rate limit (default: a timer). */
  sleep?: Sleep;
}

/**
 * Octokit's throttling plugin is off: the rate-limit guard does the waiting instead, visibly and with a bound.
 * The retry plugin stays on for 5xx and network errors.
 */
const CLI_DEFAULTS = { throttle: { enabled: false } };

export interface CliGitHub {
  octokit: GitHubClient;
  /** `slug[bot]` when authenticated as the app (from `GET /app`); unknown with a plain token. */
  botLogin: string | null;
}

export async function cliOctokit(owner: string, repo: string, opts: CliGitHubOptions = {}): Promise<GitHubClient> {
  return (await cliGitHub(owner, repo, opts)).octokit;
}

export async function cliGitHub(owner: string, repo: string, opts: CliGitHubOptions = {}): Promise<CliGitHub> {
  const env = opts.env ?? process.env;
  const baseUrl = env.GITHUB_API_URL || undefined;
  let octokit: GitHubClient;
  let botLogin: string | null = null;
  if (env.GITHUB_TOKEN) {
    const Octokit = ProbotOctokit.defaults({ ...CLI_DEFAULTS, ...(baseUrl ? { baseUrl } : {}) });
    octokit = new Octokit({ auth: { token: env.GITHUB_TOKEN } });
  } else if (env.APP_ID) {
    const factory = createOctokitFactory(appCredentialsFromEnv(env), { octokitDefaults: CLI_DEFAULTS });
    octokit = env.INSTALLATION_ID
      ? await factory.installation(Number(env.INSTALLATION_ID))
      : await factory.forRepo(owner, repo);
    const { data: app } = await (await factory.app()).request('GET /app');
    if (app?.slug) botLogin = `${app.slug}[bot]`;
  } else {
    throw new Error('set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY (or PRIVATE_KEY_PATH) for the app installation');
  }
  guardRateLimit(octokit, { ...(opts.sleep ? { sleep: opts.sleep } : {}), ...(opts.logger ? { logger: opts.logger } : {}) });
  return { octokit, botLogin };
}

export function parseRepoArg(arg: string): { owner: string; repo: string } {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(arg.trim());
  if (!m?.[1] || !m[2]) throw new Error(`expected owner/repo, got "${arg}"`);
  return { owner: m[1], repo: m[2] };
}
