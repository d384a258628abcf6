import { GQL_COMMENT_FIELDS, type GqlComment } from './issue-state-query';

/**
 * Creates the bot's comment AND reads the latest comments back in one call. A mutation's payload fields are
 * resolved after the write (GraphQL runs the top-level mutation field first, then its selection set), so the
 * listing already holds our comment and every racer's that was committed before it. `AddCommentPayload` has
 * `commentEdge: IssueCommentEdge` and `subject: Node` (octokit/graphql-schema schema.graphql).
 * Two deliveries racing on one issue both create a comment; at least the later one sees both here and deletes the
 * younger, so the race costs no extra call unless it actually happened.
 */
/**
 * The comment creation's selection, shared by both mutations that create the bot's comment: the new comment's id and,
 * read after the write, the issue's newest comments (racers' comments are the newest, so the last 100 include them).
 */
export const ADD_COMMENT_SELECTION = `
    commentEdge {
      node {
        fullDatabaseId
      }
    }
    subject {
      ... on Issue {
        comments(last: 100) {
          nodes {${GQL_COMMENT_FIELDS}
          }
        }
      }
    }`;

/** The comment creation alone ($comment-less form of apply-decision-mutation.ts, for a labeling that only comments). */
export const ADD_COMMENT_MUTATION = /* GraphQL */ `
  mutation LabelBotAddComment($subjectId: ID!, $body: String!) {
    addComment(input: { subjectId: $subjectId, body: $body }) {${ADD_COMMENT_SELECTION}
    }
  }
`;

/** The same payload type for both mutations. */
export type AddCommentPayload = {
  commentEdge: { node: { fullDatabaseId: string | null } | null } | null;
  /** `comments` is absent when the subject is not an Issue (the fragment does not match). */
  subject: { comments?: { nodes: GqlComment[] } } | null;
};

export interface AddCommentResponse {
  addComment: AddCommentPayload | null;
}
