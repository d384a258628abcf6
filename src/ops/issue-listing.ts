/**
 * The one issue lister of the CLI (fetch-issues, backfill, report): REST, paginated by Octokit through the Link
 * header, pull requests left out (the issues endpoint returns both). Rate limits are the client's rate-limit guard's
 * job (rate-limit.ts), not this file's.
 */
import type { GitHubClient } from '../vocabulary';

export interface ListedIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  createdAt: string;
  updatedAt: string;
  labels: string[];
}

export interface ListIssuesOptions {
  owner: string;
  repo: string;
  state: 'open' | 'closed' | 'all';
  /** ISO date/time; issues created before it are left out. */
  createdSince?: string;
  /** ISO date/time; issues not updated since are left out (GitHub's own `since` filter, cheap). */
  updatedSince?: string;
  /** Called after each page with the pages read and the issues kept so far. */
  onPage?: (page: number, issues: number) => void;
}

interface RestIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  created_at: string;
  updated_at: string;
  labels: (string | { name?: string })[];
  pull_request?: unknown;
}

/**
 * Issues in ascending number order, streamed page by page (a large repo never sits in memory whole).
 * GitHub's `since` filters by update time, which is a superset of "created since": a created-since filter is
 * passed to GitHub as an update filter too (an issue created after D was updated after D) and then applied exactly here.
 */
export async function* iterateIssues(octokit: GitHubClient, opts: ListIssuesOptions): AsyncGenerator<ListedIssue> {
  const since = [opts.createdSince, opts.updatedSince]
    .filter((s): s is string => !!s)
    .sort()
    .at(-1);
  // Compared as instants: GitHub's timestamps have no milliseconds, other servers' may, and as strings
  // "…:52.700Z" sorts before "…:52Z".
  const createdSince = opts.createdSince ? Date.parse(normaliseIso(opts.createdSince)) : undefined;
  const params = {
    owner: opts.owner,
    repo: opts.repo,
    state: opts.state,
    sort: 'created' as const,
    direction: 'asc' as const,
    per_page: 100,
    ...(since ? { since } : {}),
  };
  let page = 0;
  let kept = 0;
  for await (const response of octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', params)) {
    page++;
    for (const raw of response.data as unknown as RestIssue[]) {
      if (raw.pull_request) continue;
      if (createdSince !== undefined && Date.parse(raw.created_at) < createdSince) continue;
      kept++;
      yield {
        number: raw.number,
        title: raw.title,
        body: raw.body ?? '',
        state: raw.state === 'closed' ? 'closed' : 'open',
        createdAt: raw.created_at,
        updatedAt: raw.updated_at,
        labels: raw.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
      };
    }
    opts.onPage?.(page, kept);
  }
}

/** All matching issues, ascending by number, so a resumed backfill can skip by "last completed number". */
export async function listIssues(octokit: GitHubClient, opts: ListIssuesOptions): Promise<ListedIssue[]> {
  const issues: ListedIssue[] = [];
  for await (const issue of iterateIssues(octokit, opts)) issues.push(issue);
  return issues.sort((a, b) => a.number - b.number);
}

/** `2026-01-01` → `2026-01-01T00:00:00Z`, so string comparison with GitHub timestamps is exact. */
export function normaliseIso(date: string): string {
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${date}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
