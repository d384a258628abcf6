/**
 * `fetch-issues` as JSONL: the CLI's one issue lister (ops/issue-listing.ts) through the CLI's GitHub client, so
 * pagination and rate-limit waits are the same code as backfill and report. The token is sent, never logged.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { parseRepoArg, tokenOctokit } from './cli-github';
import { iterateIssues } from './issue-listing';
import type { Sleep } from './rate-limit';
import type { GitHubClient } from '../vocabulary';

export interface FetchIssuesOptions {
  token?: string;
  state?: 'all' | 'open' | 'closed';
  max?: number;
  apiUrl?: string;
  /** Replace the real timer and clock for rate-limit waits. */
  sleep?: Sleep;
  now?: () => number;
  onPage?: (page: number, total: number) => void;
  onWait?: (ms: number, reason: string) => void;
  /** ISO date/time: only issues created at or after it (a resumed or incremental download). */
  createdSince?: string;
  /** A client already made (onboard reads label events with the same one). */
  octokit?: GitHubClient;
}

/** One JSONL row: the training data's shape (`train --data`). */
export interface FetchedIssue {
  repo: string;
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: string;
  created_at: string;
}

/** The client fetch-issues uses: a token (or none), the API URL, the rate-limit guard's hooks. */
export function fetchOctokit(opts: FetchIssuesOptions): GitHubClient {
  return tokenOctokit(opts.token || undefined, opts.apiUrl?.replace(/\/+$/, ''), {
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
  });
}

export async function* fetchIssues(repo: string, opts: FetchIssuesOptions = {}): AsyncGenerator<FetchedIssue> {
  const { owner, repo: name } = parseRepoArg(repo);
  const octokit = opts.octokit ?? fetchOctokit(opts);
  const issues = iterateIssues(octokit, {
    owner,
    repo: name,
    state: opts.state ?? 'all',
    ...(opts.createdSince ? { createdSince: opts.createdSince } : {}),
    ...(opts.onPage ? { onPage: opts.onPage } : {}),
  });
  let n = 0;
  try {
    for await (const issue of issues) {
      yield {
        repo: `${owner}/${name}`,
        number: issue.number,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
        state: issue.state,
        created_at: issue.createdAt,
      };
      if (opts.max !== undefined && ++n >= opts.max) return;
    }
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    const tokenNote = opts.token ? '' : `; ${NO_TOKEN}`;
    const message = (err as Error).message.slice(0, 200);
    // Octokit reports a request that got no response at all (DNS, refused, TLS, offline) as a 500 without a response.
    if (!(err as { response?: unknown }).response) {
      throw new Error(
        `cannot reach ${opts.apiUrl ?? 'https://api.github.com'} (${message}); check the network or --api-url${tokenNote}`,
        { cause: err },
      );
    }
    throw new Error(`GET /repos/${repo}/issues failed: HTTP ${status} ${message}${tokenNote}`, { cause: err });
  }
}

/** Said whenever a run without a token fails, since that is the first thing to check. */
export const NO_TOKEN = 'GITHUB_TOKEN is not set (unauthenticated: public repos only, 60 requests an hour)';

/**
 * Written to `<file>.part` and renamed when complete, so a failed or interrupted run leaves no file that looks like
 * a (short or empty) download.
 */
export async function fetchIssuesToFile(repo: string, file: string, opts: FetchIssuesOptions = {}): Promise<number> {
  const part = `${file}.part`;
  const out = createWriteStream(part);
  await once(out, 'open');
  let n = 0;
  try {
    for await (const issue of fetchIssues(repo, opts)) {
      if (!out.write(JSON.stringify(issue) + '\n')) await once(out, 'drain');
      n++;
    }
  } catch (err) {
    out.destroy();
    await once(out, 'close');
    rmSync(part, { force: true });
    throw err;
  }
  out.end();
  await once(out, 'finish');
  renameSync(part, file);
  return n;
}
