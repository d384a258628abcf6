import { ADD_COMMENT_SELECTION, type AddCommentPayload } from './add-comment-mutation';

/**
 * A first labeling's one write: the labels and the bot's comment in one mutation document. Top-level mutation fields
 * run one after the other, so the comment is created after the labels, and its payload (read after the write) lists
 * every racer's comment committed before ours, as in add-comment-mutation.ts. `addComment` is skipped with
 * `@include(if: $comment)` when there is nothing to create (silent mode, a locked issue, or the comment exists).
 * `addLabelsToLabelable` takes label node ids, which the read supplies (issue-state-query.ts); a label the repo does not
 * have yet has no id, and then apply-decision.ts adds the labels by REST (which creates it) instead.
 */
export const APPLY_DECISION_MUTATION = /* GraphQL */ `
  mutation LabelBotApplyDecision($issueId: ID!, $labelIds: [ID!]!, $body: String!, $comment: Boolean!) {
    addLabelsToLabelable(input: { labelableId: $issueId, labelIds: $labelIds }) {
      clientMutationId
    }
    addComment(input: { subjectId: $issueId, body: $body }) @include(if: $comment) {${ADD_COMMENT_SELECTION}
    }
  }
`;

export interface ApplyDecisionResponse {
  addLabelsToLabelable: { clientMutationId: string | null } | null;
  /** Absent when `$comment` was false. */
  addComment?: AddCommentPayload | null;
}
