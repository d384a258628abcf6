import type { Logger } from 'pino';
import type { GitHubClient, RepoRef } from '../vocabulary';
import { labelKey } from './handles';
import { upsertMarkedComment, type MarkedCommentAction } from './marked-comment';

/**
 * The review gate of CI by label for fork pull requests whose author cannot push to the base repo (`ciflow.forks:
 * review`, the default). The threat: a maintainer reads a fork PR and adds `ciflow/trunk`; the author then pushes new
 * commits; if the tag followed them, the base repo's CI (with its secrets) would run code no maintainer has seen.
 * So a tag is only created or moved to a head SHA that a human with write access labeled while it was the head, and
 * a push by such an author withdraws the tag and asks for a new review in one comment (edited in place).
 */

export const CIFLOW_REVIEW_MARKER = '<!-- label-bot:ciflow-review -->';

export interface CiflowReviewGate {
  /** Author of the PR, whose write access decides whether the gate applies at all. */
  author: string;
  /** Set on `labeled` deliveries sent by a human: the head SHA of the payload (what the labeler saw) and the labels. */
  approval?: { by: string; sha: string; labels: readonly string[] };
  /** Permission check (one GitHub call per login); throws when GitHub cannot answer, which leaves CI untriggered. */
  isWriter(login: string): Promise<boolean>;
}

/** Does this delivery approve `label` on `headSha`? Only a human with write access who labeled that very head. */
export async function approvesHead(gate: CiflowReviewGate, label: string, headSha: string): Promise<boolean> {
  const a = gate.approval;
  if (!a || a.sha !== headSha || !a.labels.some((l) => labelKey(l) === labelKey(label))) return false;
  if (labelKey(a.by) === labelKey(gate.author)) return false;
  return gate.isWriter(a.by);
}

const short = (sha: string) => sha.slice(0, 7);
const list = (labels: readonly string[]) => labels.map((l) => `\`${l.replace(/`/g, "'")}\``).join(', ');

export function waitingText(author: string, headSha: string, labels: readonly string[]): string {
  return [
    `**CI by label is waiting for a review of \`${short(headSha)}\`.**`,
    '',
    `@${author} does not have write access here, and the head of this pull request (\`${headSha}\`) has not been labeled ` +
      `by someone with write access since it was pushed, so ${list(labels)} did not trigger CI (any tag pointing at an ` +
      `earlier commit was removed).`,
    '',
    'A maintainer: review the changes, then remove and re-add the label to run CI on this commit.',
  ].join('\n');
}

export function approvedText(by: string, headSha: string, labels: readonly string[]): string {
  return [
    `**CI by label: \`${short(headSha)}\` was reviewed.** @${by} applied ${list(labels)}, which triggered CI on \`${headSha}\`.`,
  ].join('\n');
}

/** Writes the one review comment: waiting (created if needed) or approved (only edits an existing comment). */
export async function updateReviewComment(
  octokit: GitHubClient,
  ref: RepoRef,
  pr: number,
  state: { author: string; headSha: string; waiting: string[]; approved: string[]; approvedBy?: string },
  log: Logger,
): Promise<MarkedCommentAction | 'none'> {
  let action: MarkedCommentAction | 'none' = 'none';
  if (state.waiting.length > 0) {
    action = await upsertMarkedComment(
      octokit,
      ref,
      pr,
      CIFLOW_REVIEW_MARKER,
      waitingText(state.author, state.headSha, state.waiting),
    );
  } else if (state.approved.length > 0 && state.approvedBy) {
    action = await upsertMarkedComment(
      octokit,
      ref,
      pr,
      CIFLOW_REVIEW_MARKER,
      approvedText(state.approvedBy, state.headSha, state.approved),
      {
        onlyIfPresent: true,
      },
    );
  }
  if (action !== 'none')
    log.info({ pr, waiting: state.waiting, approved: state.approved, comment: action }, 'ciflow review comment');
  return action;
}
