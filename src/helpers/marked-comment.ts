import type { GitHubClient, RepoRef } from '../vocabulary';

export type MarkedCommentAction = 'created' | 'updated' | 'unchanged' | 'absent';

/** The bot's comment on an item that carries `marker` (a hidden HTML comment), or null. Reads at most 10 pages. */
export async function findMarkedComment(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  marker: string,
): Promise<{ id: number; body: string } | null> {
  for (let page = 1; page <= 10; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...ref,
      issue_number: number,
      per_page: 100,
      page,
    });
    const hit = data.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(marker));
    if (hit) return { id: hit.id, body: hit.body ?? '' };
    if (data.length < 100) break;
  }
  return null;
}

/**
 * One comment per (item, marker), edited in place: a redelivery finds the same text and writes nothing, and a change
 * of state rewrites the one comment instead of adding another. `onlyIfPresent` updates an existing comment but never
 * creates one (for "resolved" notes nobody needs when nothing was ever said).
 */
export async function upsertMarkedComment(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  marker: string,
  text: string,
  opts: { onlyIfPresent?: boolean } = {},
): Promise<MarkedCommentAction> {
  const body = `${marker}\n${text}`;
  const existing = await findMarkedComment(octokit, ref, number, marker);
  if (!existing) {
    if (opts.onlyIfPresent) return 'absent';
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ref, issue_number: number, body });
    return 'created';
  }
  if (existing.body.trim() === body.trim()) return 'unchanged';
  await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...ref, comment_id: existing.id, body });
  return 'updated';
}
