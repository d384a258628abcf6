import { renderLabelsComment, renderNotConfidentComment, type CommentLabel } from './bot-comment';
import { ADD_COMMENT_MUTATION, type AddCommentResponse } from './add-comment-mutation';
import { APPLY_DECISION_MUTATION, type ApplyDecisionResponse } from './apply-decision-mutation';
import { ownComments, type IssueState } from './issue-state';
import type { LabelDecision } from './label-decision';
import type { GitHubClient, IssueRef, LabelingMode } from '../vocabulary';

/**
 * Writes a decision. A first labeling is one mutation: the missing labels and the comment together
 * (apply-decision-mutation.ts). A label the repo does not have yet goes by REST POST instead (it creates the label),
 * then the comment by its own mutation. A later change of the comment's text is one PATCH. Creating the comment also
 * checks for racing duplicates in the same call; deleting one costs a call only when a race actually happened.
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

type CreatedComment = AddCommentResponse['addComment'] | ApplyDecisionResponse['addComment'];

/**
 * The comment mutation's payload is read after the write: it holds every racer's comment committed before ours.
 * Parallel deliveries that all read "no comment yet" thus converge on ONE comment, the oldest: whichever racer commits
 * last sees all of them and deletes the younger ones. Returns the delete calls made.
 */
async function convergeOnOldest(octokit: GitHubClient, state: IssueState, payload: CreatedComment): Promise<number> {
  const created = payload?.commentEdge?.node?.fullDatabaseId;
  const ours = ownComments(payload?.subject?.comments?.nodes ?? []).map((c) => c.id);
  if (created != null && !ours.includes(Number(created))) ours.push(Number(created));
  return ours.length <= 1 ? 0 : keepOldestComment(octokit, state.ref, ours);
}

/**
 * Never retried blind (`retries: 0`): a write that timed out may still be committed by GitHub later, and a retry would
 * then leave two comments for good. The failure goes up instead (the Lambda hands the issue to the worker, the worker
 * nacks); the next attempt re-reads the issue first and finds the late comment, or any duplicate, and keeps the oldest.
 */
const NO_BLIND_RETRY = { retries: 0 };

async function createCommentConverging(octokit: GitHubClient, state: IssueState, body: string): Promise<number> {
  const data = await octokit.graphql<AddCommentResponse>(ADD_COMMENT_MUTATION, {
    subjectId: state.nodeId,
    body,
    request: NO_BLIND_RETRY,
  });
  return 1 + (await convergeOnOldest(octokit, state, data.addComment));
}

/** Label node ids for every label to add, or null when the read did not supply one (a label the repo lacks). */
function labelIdsFor(state: IssueState, labels: readonly string[]): string[] | null {
  const ids = labels.map((l) => state.labelIds?.get(l.toLowerCase()));
  return ids.every((id): id is string => typeof id === 'string') ? ids : null;
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
  let comment: CommentAction = 'none';
  // A locked issue still takes labels; a comment there would need elevated rights and adds noise.
  const create = commentBody !== null && !state.locked && state.botComment === null;
  const labelIds = decision.toAdd.length > 0 ? labelIdsFor(state, decision.toAdd) : null;
  if (labelIds) {
    // The first labeling's one write: labels and comment in one mutation.
    const data = await octokit.graphql<ApplyDecisionResponse>(APPLY_DECISION_MUTATION, {
      issueId: state.nodeId,
      labelIds,
      body: create ? commentBody : '',
      comment: create,
      ...(create ? { request: NO_BLIND_RETRY } : {}),
    });
    writes++;
    added.push(...decision.toAdd);
    if (create) {
      writes += await convergeOnOldest(octokit, state, data.addComment);
      comment = 'created';
    }
  } else if (decision.toAdd.length > 0) {
    // POST adds (set union); it never removes what humans put there, unlike PUT. It also creates a label the repo
    // does not have yet, which the mutation (label ids only) cannot.
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      owner,
      repo,
      issue_number: number,
      labels: decision.toAdd,
    });
    writes++;
    added.push(...decision.toAdd);
  }
  // Duplicates from an earlier race: keep the oldest, which every racer agrees on.
  if (state.botComment && state.duplicateBotComments?.length) {
    writes += await keepOldestComment(octokit, state.ref, [state.botComment.id, ...state.duplicateBotComments]);
  }
  if (commentBody !== null && !state.locked && comment !== 'created') {
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
