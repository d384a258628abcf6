import { renderLabelsComment, renderNotConfidentComment, type CommentLabel } from './bot-comment';
import { ADD_COMMENT_MUTATION, type AddCommentResponse } from './add-comment-mutation';
import { ownComments, type IssueState } from './issue-state';
import type { LabelDecision } from './label-decision';
import type { GitHubClient, IssueRef, LabelingMode } from '../vocabulary';

/**
 * Writes a decision: at most one POST of labels (only what is missing) and one comment create/update (only if its
 * text changes). Creating the comment also checks for racing duplicates in the same call (see
 * add-comment-mutation.ts); deleting one costs a call only when a race actually happened.
 */

export interface ApplyOptions {
  mode: LabelingMode;
  modelVersion: string;
}

export type CommentAction = 'created' | 'updated' | 'unchanged' | 'none';

export interface ApplyResult {
  mode: LabelingMode;
  added: string[];
  comment: CommentAction;
  /** Desired comment text (null = none); set in every mode so dry-runs can show it. */
  commentBody: string | null;
  /** GitHub calls made by applyDecision (0 in shadow and dry-run). */
  writes: number;
}

async function deleteComment(octokit: GitHubClient, owner: string, repo: string, id: number): Promise<void> {
  try {
    await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: id });
  } catch (err) {
    // The other racer deleted it first.
    if ((err as { status?: number }).status !== 404) throw err;
  }
}

/** Deletes the bot's younger duplicates, keeping the oldest (the one every racer agrees on). Returns the calls made. */
async function keepOldestComment(octokit: GitHubClient, ref: IssueRef, ids: readonly number[]): Promise<number> {
  const keep = Math.min(...ids);
  let calls = 0;
  for (const id of ids) {
    if (id === keep) continue;
    await deleteComment(octokit, ref.owner, ref.repo, id);
    calls++;
  }
  return calls;
}

/**
 * Creates the comment and, in the same call, sees every racer's comment committed before ours (the mutation's
 * payload is read after the write). Parallel deliveries that all read "no comment yet" thus converge on ONE comment,
 * the oldest: whichever racer commits last sees all of them and deletes the younger ones. Returns the calls made.
 */
async function createCommentConverging(octokit: GitHubClient, state: IssueState, body: string): Promise<number> {
  const data = await octokit.graphql<AddCommentResponse>(ADD_COMMENT_MUTATION, { subjectId: state.nodeId, body });
  const created = data.addComment?.commentEdge?.node?.fullDatabaseId;
  const ours = ownComments(data.addComment?.subject?.comments?.nodes ?? []).map((c) => c.id);
  if (created != null && !ours.includes(Number(created))) ours.push(Number(created));
  return ours.length <= 1 ? 1 : 1 + (await keepOldestComment(octokit, state.ref, ours));
}

export function renderDecisionComment(decision: LabelDecision, modelVersion: string): string | null {
  if (decision.comment === 'labels') {
    const rows: CommentLabel[] = decision.chosen.map((c) => ({ label: c.label, score: c.score }));
    return renderLabelsComment(rows, modelVersion);
  }
  if (decision.comment === 'not-confident') return renderNotConfidentComment(modelVersion);
  return null;
}

export async function applyDecision(
  octokit: GitHubClient,
  state: IssueState,
  decision: LabelDecision,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const commentBody = renderDecisionComment(decision, opts.modelVersion);
  const { owner, repo, number } = state.ref;
  if (opts.mode !== 'act') {
    return { mode: opts.mode, added: [], comment: 'none', commentBody, writes: 0 };
  }
  let writes = 0;
  const added: string[] = [];
  if (decision.toAdd.length > 0) {
    // POST adds (set union); it never removes what humans put there, unlike PUT.
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      owner,
      repo,
      issue_number: number,
      labels: decision.toAdd,
    });
    writes++;
    added.push(...decision.toAdd);
  }
  let comment: CommentAction = 'none';
  // Duplicates from an earlier race: keep the oldest, which every racer agrees on.
  if (state.botComment && state.duplicateBotComments?.length) {
    writes += await keepOldestComment(octokit, state.ref, [state.botComment.id, ...state.duplicateBotComments]);
  }
  // A locked issue still takes labels; a comment there would need elevated rights and adds noise.
  if (commentBody !== null && !state.locked) {
    if (state.botComment === null) {
      writes += await createCommentConverging(octokit, state, commentBody);
      comment = 'created';
    } else if (state.botComment.body.trim() !== commentBody.trim()) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner,
        repo,
        comment_id: state.botComment.id,
        body: commentBody,
      });
      writes++;
      comment = 'updated';
    } else {
      comment = 'unchanged';
    }
  }
  return { mode: opts.mode, added, comment, commentBody, writes };
}

