/**
 * The GitHub client of the CLI. Operator commands (backfill, report) take a personal/installation token
 * (GITHUB_TOKEN) or the app's own credentials (APP_ID + PRIVATE_KEY/PRIVATE_KEY_PATH, installation looked up from the
 * repo or given as INSTALLATION_ID); fetch-issues takes a token or none. GITHUB_API_URL points it at GitHub
 * Enterprise or another GitHub-compatible API. Every client gets the same rate-limit guard.
 */
import { ProbotOctokit } from 'probot';
import { appCredentialsFromEnv, createOctokitFactory } from '../github/octokit';
import type { Logger } from '../log/logger';
import type { GitHubClient } from '../vocabulary';
import { guardRateLimit, type RateLimitOptions, type Sleep } from './rate-limit';

export interface CliGitHubOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Replaces the real timer for rate-limit waits. */
  sleep?: Sleep;
}

/**
 * Octokit's throttling plugin is off: the rate-limit guard does the waiting instead, visibly and with a bound.
 * The retry plugin stays on for 5xx and network errors, but leaves 429 to the guard, which honours `retry-after`
 * (the plugin's own defaults would retry a 429 blindly after 1, 4 and 9 s first).
 */
const CLI_DEFAULTS = {
  throttle: { enabled: false },
  retry: { doNotRetry: [400, 401, 403, 404, 422, 429, 451] },
  request: { fetch: announcingFetch() },
};

/**
 * `fetch` that says so on stderr the first time a host cannot be reached at all (DNS, refused connection, TLS,
 * offline), then rethrows. The retry plugin retries such a request three times (1 + 4 + 9 s); without this line a
 * command run offline was silent for ~15 s before its error (issue #18). Once per host, so a long run that hits one
 * network blip does not repeat it for every page.
 */
function announcingFetch(write: (line: string) => void = (l) => process.stderr.write(l)): typeof fetch {
  const announced = new Set<string>();
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (err) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      // A timeout (AbortError) did reach the host; only a request that got nowhere is announced.
      if ((err as Error).name !== 'AbortError' && !announced.has(url.host)) {
        announced.add(url.host);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (err as Error).message;
        write(`warning: cannot reach ${url.host} (${why}); retrying 3 times over ~15 s before giving up\n`);
      }
      throw err;
    }
  };
}

/** A client for a token, or for none (public data at the unauthenticated rate limit); `baseUrl` for GHE. */
export function tokenOctokit(
  token: string | undefined,
  baseUrl: string | undefined,
  rateLimit: RateLimitOptions = {},
): GitHubClient {
  const Octokit = ProbotOctokit.defaults({ ...CLI_DEFAULTS, ...(baseUrl ? { baseUrl } : {}) });
  const octokit: GitHubClient = token ? new Octokit({ auth: { token } }) : new Octokit();
  guardRateLimit(octokit, rateLimit);
  return octokit;
}

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
  const rateLimit = { ...(opts.sleep ? { sleep: opts.sleep } : {}), ...(opts.logger ? { logger: opts.logger } : {}) };
  if (env.GITHUB_TOKEN) return { octokit: tokenOctokit(env.GITHUB_TOKEN, baseUrl, rateLimit), botLogin: null };
  if (!env.APP_ID)
    throw new Error('set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY (or PRIVATE_KEY_PATH) for the app installation');
  const factory = createOctokitFactory(appCredentialsFromEnv(env), { octokitDefaults: CLI_DEFAULTS });
  const octokit: GitHubClient = env.INSTALLATION_ID
    ? await factory.installation(Number(env.INSTALLATION_ID))
    : await factory.forRepo(owner, repo);
  const { data: app } = await (await factory.app()).request('GET /app');
  guardRateLimit(octokit, rateLimit);
  return { octokit, botLogin: app?.slug ? `${app.slug}[bot]` : null };
}

export function parseRepoArg(arg: string): { owner: string; repo: string } {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(arg.trim());
  if (!m?.[1] || !m[2]) throw new Error(`expected owner/repo, got "${arg}"`);
  return { owner: m[1], repo: m[2] };
}
