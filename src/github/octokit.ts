import { readFileSync } from 'node:fs';
import type { Probot } from 'probot';
import { getPrivateKey } from '@probot/get-private-key';
import type { GitHubClient } from '../vocabulary';
import { createProbot } from './create-probot';
import { DEFAULT_GITHUB_REQUEST_TIMEOUT_MS, githubRequestTimeoutFromEnv } from './request-timeout';

/**
 * Installation-authenticated Octokits outside a webhook (worker, backfill CLI). Probot caches installation tokens,
 * so reuse one factory per process. `GITHUB_API_URL` points everything at GitHub Enterprise or another GitHub-compatible API.
 */
export interface AppCredentials {
  appId: string;
  privateKey: string;
  baseUrl?: string;
}

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
  /** Extra Octokit defaults, e.g. `{ retry: { enabled: false }, throttle: { enabled: false } }`. */
  octokitDefaults?: Record<string, unknown>;
  /** Deadline per GitHub request (ms, 0 = none). Default: GITHUB_REQUEST_TIMEOUT_MS, else 10 s. */
  requestTimeoutMs?: number;
}

export interface OctokitFactory {
  readonly probot: Probot;
  /** App-authenticated (JWT) client, for `GET /repos/{owner}/{repo}/installation`. */
  app(): Promise<GitHubClient>;
  installation(installationId: number): Promise<GitHubClient>;
  /** Installation client for a repo when only its name is known (one app-level lookup, then cached). */
  forRepo(owner: string, repo: string): Promise<GitHubClient>;
}

export function createOctokitFactory(
  creds: AppCredentials = appCredentialsFromEnv(),
  opts: OctokitFactoryOptions = {},
): OctokitFactory {
  const probot = createProbot({
    appId: creds.appId,
    privateKey: creds.privateKey,
    baseUrl: creds.baseUrl,
    octokitDefaults: opts.octokitDefaults,
    requestTimeoutMs:
      opts.requestTimeoutMs ?? githubRequestTimeoutFromEnv(process.env, DEFAULT_GITHUB_REQUEST_TIMEOUT_MS),
  });
  return fromProbot(probot);
}

/**
 * Installation clients kept per factory. A client authenticates as its installation through @octokit/auth-app, which
 * fetches and refreshes the token from Probot's shared token cache on its own, so one client serves an installation
 * for the life of the process. Building one per message cost the worker ~1 ms of CPU and ~2 ms of wall time each
 * (a new Octokit with its plugins, an auth-app state with its own 15,000-entry LRU cache, a throttling retry limiter)
 * plus the garbage: with 50 installations at 150 messages/s, a fifth of the process's time went to GC.
 * ~16 KiB per kept client; the least recently used are dropped past `MAX_CACHED_INSTALLATION_CLIENTS`.
 */
export const MAX_CACHED_INSTALLATION_CLIENTS = 1_000;

/** Wraps an existing Probot (the Lambda's) so the same repo → installation lookup is shared. */
export function fromProbot(probot: Probot): OctokitFactory {
  const installationIds = new Map<string, number>();
  const clients = new Map<number, Promise<GitHubClient>>();
  const installation = (id: number): Promise<GitHubClient> => {
    let client = clients.get(id);
    if (client) {
      clients.delete(id); // re-inserted below: Map order is the LRU order
    } else {
      client = probot.auth(id) as Promise<GitHubClient>;
      client.catch(() => clients.get(id) === client && clients.delete(id));
      const oldest = clients.size >= MAX_CACHED_INSTALLATION_CLIENTS ? clients.keys().next().value : undefined;
      if (oldest !== undefined) clients.delete(oldest);
    }
    clients.set(id, client);
    return client;
  };
  return {
    probot,
    app: () => probot.auth(),
    installation,
    async forRepo(owner, repo) {
      const key = `${owner}/${repo}`.toLowerCase();
      let id = installationIds.get(key);
      if (id === undefined) {
        const appOctokit = await probot.auth();
        const { data } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        id = data.id;
        installationIds.set(key, id);
      }
      return installation(id);
    },
  };
}
