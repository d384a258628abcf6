import type { GitHubClient, RepoRef } from '../vocabulary';

export interface LiveItem {
  body: string;
  author: string;
  authorIsBot: boolean;
  labels: string[];
  /** Pull requests only. */
  headSha?: string;
  open: boolean;
}

function labelNames(labels: ReadonlyArray<string | { name?: string }> | undefined): string[] {
  return (labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((n) => n.length > 0);
}

/** The live issue or PR: webhook payloads are snapshots, and a human may have edited the body since. */
export async function getLiveItem(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  isPull: boolean,
): Promise<LiveItem> {
  if (isPull) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...ref,
      pull_number: number,
    });
    return {
      body: data.body ?? '',
      author: data.user?.login ?? '',
      authorIsBot: data.user?.type === 'Bot',
      labels: labelNames(data.labels),
      headSha: data.head.sha,
      open: data.state === 'open',
    };
  }
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
    ...ref,
    issue_number: number,
  });
  return {
    body: data.body ?? '',
    author: data.user?.login ?? '',
    authorIsBot: data.user?.type === 'Bot',
    labels: labelNames(data.labels),
    open: data.state === 'open',
  };
}

export function statusOf(error: unknown): number | undefined {
  const s = (error as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

export function messageOf(error: unknown): string {
  const e = error as { message?: unknown; response?: { data?: { message?: unknown } } } | null;
  const data = e?.response?.data?.message;
  return `${typeof e?.message === 'string' ? e.message : ''} ${typeof data === 'string' ? data : ''}`;
}
