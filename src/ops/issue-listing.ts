/** Lists a repo's existing issues for backfill and report: REST, paginated, pull requests left out. */
import type { GitHubClient } from '../vocabulary';

export interface ListedIssue {
  number: number;
  title: string;
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
}

interface RestIssue {
  number: number;
  title: string;
  state: string;
  created_at: string;
  updated_at: string;
  labels: (string | { name?: string })[];
  pull_request?: unknown;
}


/**
 * Ascending by number, so a resumed backfill can skip by "last completed number".
 * GitHub's `since` filters by update time, which is a superset of "created since": a created-since filter is
 * passed to GitHub as an update filter too (an issue created after D was updated after D) and then applied exactly here.
 */
export async function listIssues(octokit: GitHubClient, opts: ListIssuesOptions): Promise<ListedIssue[]> {
  const since = [opts.createdSince, opts.updatedSince].filter((s): s is string => !!s).sort().at(-1);
  const params = {
    owner: opts.owner,
    repo: opts.repo,
    state: opts.state,
    sort: 'created' as const,
    direction: 'asc' as const,
    per_page: 100,
    ...(since ? { since } : {}),
  };
  const issues: ListedIssue[] = [];
  for await (const page of octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', params)) {
    for (const raw of page.data as unknown as RestIssue[]) {
      if (raw.pull_request) continue; // the issues endpoint returns PRs too
      if (opts.createdSince && raw.created_at < normaliseIso(opts.createdSince)) continue;
      issues.push({
        number: raw.number,
        title: raw.title,
        state: raw.state === 'closed' ? 'closed' : 'open',
        createdAt: raw.created_at,
        updatedAt: raw.updated_at,
        labels: raw.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
      });
    }
  }
  return issues.sort((a, b) => a.number - b.number);
}

/** `2026-01-01` → `2026-01-01T00:00:00Z`, so string comparison with GitHub timestamps is exact. */
export function normaliseIso(date: string): string {
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${date}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
