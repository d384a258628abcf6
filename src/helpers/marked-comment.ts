import { statusOf } from './github-ops';
import type { GitHubClient, RepoRef } from '../vocabulary';

export type MarkedCommentAction = 'created' | 'updated' | 'unchanged' | 'absent';

/** The bot's comments on an item that carry `marker` (a hidden HTML comment), oldest first. Reads at most 10 pages. */
async function markedComments(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  marker: string,
): Promise<Array<{ id: number; body: string }>> {
  const out: Array<{ id: number; body: string }> = [];
  for (let page = 1; page <= 10; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...ref,
      issue_number: number,
      per_page: 100,
      page,
    });
    for (const c of data)
      if (c.user?.type === 'Bot' && (c.body ?? '').includes(marker)) out.push({ id: c.id, body: c.body ?? '' });
    if (data.length < 100) break;
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The bot's (oldest) comment on an item that carries `marker`, or null. */
export async function findMarkedComment(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  marker: string,
): Promise<{ id: number; body: string } | null> {
  return (await markedComments(octokit, ref, number, marker))[0] ?? null;
}

/**
 * Two copies of the bot handling the same event can both find no comment and both create one. After creating, the
 * creator re-reads and deletes every marked comment but the oldest; both racers converge on the same survivor.
 */
async function dropDuplicates(octokit: GitHubClient, ref: RepoRef, number: number, marker: string): Promise<void> {
  const all = await markedComments(octokit, ref, number, marker);
  for (const dup of all.slice(1)) {
    try {
      await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...ref,
        comment_id: dup.id,
      });
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }
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
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...ref,
      issue_number: number,
      body,
    });
    await dropDuplicates(octokit, ref, number, marker);
    return 'created';
  }
  if (existing.body.trim() === body.trim()) return 'unchanged';
  await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    ...ref,
    comment_id: existing.id,
    body,
  });
  return 'updated';
}
