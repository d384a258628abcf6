import { readFileSync } from 'node:fs';
import { Probot, ProbotOctokit } from 'probot';
import { getPrivateKey } from '@probot/get-private-key';
import { createLogger } from '../log/logger';
import { DEFAULT_GITHUB_REQUEST_TIMEOUT_MS, fetchWithTimeout, githubRequestTimeoutFromEnv, withRequestTimeout } from './request-timeout';

/**
 * Installation-authenticated Octokits outside a webhook (worker, backfill CLI). Probot caches installation tokens,
 * so reuse one factory per process. `GITHUB_API_URL` points everything at the local GitHub stand-in.
 */
export interface AppCredentials {
  appId: string;
  privateKey: string;
  baseUrl?: string;
}

export type InstallationOctokit = Awaited<ReturnType<Probot['auth']>>;

/** Reads APP_ID, PRIVATE_KEY (PEM, `\n`-escaped or base64) or PRIVATE_KEY_PATH, and GITHUB_API_URL. */
export function appCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AppCredentials {
  const appId = env.APP_ID;
  if (!appId) throw new Error('APP_ID is not set');
  const privateKey = env.PRIVATE_KEY_PATH
    ? readFileSync(env.PRIVATE_KEY_PATH, 'utf8')
    : getPrivateKey({ env: { PRIVATE_KEY: env.PRIVATE_KEY } as NodeJS.ProcessEnv });
  // Never echo the key or its path contents in an error message.
  if (!privateKey) throw new Error('PRIVATE_KEY or PRIVATE_KEY_PATH is not set');
  return { appId, privateKey, baseUrl: env.GITHUB_API_URL || undefined };
}

export interface OctokitFactoryOptions {
  /** Extra Octokit defaults, e.g. `{ retry: { enabled: false }, throttle: { enabled: false } }` in tests. */
  octokitDefaults?: Record<string, unknown>;
  /** Deadline per GitHub request (ms, 0 = none). Default: GITHUB_REQUEST_TIMEOUT_MS, else 10 s. */
  requestTimeoutMs?: number;
}

export interface OctokitFactory {
  readonly probot: Probot;
  /** App-authenticated (JWT) client, for `GET /repos/{owner}/{repo}/installation`. */
  app(): Promise<InstallationOctokit>;
  installation(installationId: number): Promise<InstallationOctokit>;
  /** Installation client for a repo when only its name is known (one app-level lookup, then cached). */
  forRepo(owner: string, repo: string): Promise<InstallationOctokit>;
}

export function createProbotForApp(creds: AppCredentials, opts: OctokitFactoryOptions = {}): Probot {
  const extra = opts.octokitDefaults ?? {};
  const timeoutMs = opts.requestTimeoutMs ?? githubRequestTimeoutFromEnv(process.env, DEFAULT_GITHUB_REQUEST_TIMEOUT_MS);
  // A function, not an object: Probot passes its own `throttle`/`retry` to installation clients, and an object
  // default would be shallow-overridden (e.g. a test's `throttle: { enabled: false }` silently lost).
  const Octokit = ProbotOctokit.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    ...(creds.baseUrl ? { baseUrl: creds.baseUrl } : {}),
    ...extra,
    throttle: { ...(instance.throttle as object | undefined), ...(extra.throttle as object | undefined) },
    retry: { ...(instance.retry as object | undefined), ...(extra.retry as object | undefined) },
    ...withRequestTimeout({ request: { ...(instance.request as object | undefined), ...(extra.request as object | undefined) } }, timeoutMs),
  })) as typeof ProbotOctokit;
  return new Probot({
    appId: creds.appId,
    privateKey: creds.privateKey,
    Octokit,
    // Probot's installation-token request goes through its own `request`, not the Octokit defaults above.
    request: { fetch: fetchWithTimeout(timeoutMs) },
    log: createLogger('probot'),
    ...(creds.baseUrl ? { baseUrl: creds.baseUrl } : {}),
  });
}

export function createOctokitFactory(creds: AppCredentials = appCredentialsFromEnv(), opts: OctokitFactoryOptions = {}): OctokitFactory {
  const probot = createProbotForApp(creds, opts);
  return fromProbot(probot);
}

/** Wraps an existing Probot (the Lambda's) so the same repo → installation lookup is shared. */
export function fromProbot(probot: Probot): OctokitFactory {
  const installationIds = new Map<string, number>();
  return {
    probot,
    app: () => probot.auth(),
    installation: (id) => probot.auth(id),
    async forRepo(owner, repo) {
      const key = `${owner}/${repo}`.toLowerCase();
      let id = installationIds.get(key);
      if (id === undefined) {
        const appOctokit = await probot.auth();
        const { data } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        id = data.id;
        installationIds.set(key, id);
      }
      return probot.auth(id);
    },
  };
}
