/**
 * The fields read for every comment the labeler looks at (the issue's first and last comments here, and the newest
 * comments a comment-creating mutation reads back): what `GqlComment` describes, written once.
 */
export const GQL_COMMENT_FIELDS = `
            fullDatabaseId
            body
            author {
              login
              __typename
            }`;

/**
 * One GraphQL read gives the labeler everything it needs about an issue and its repo's config, and the repo's label
 * ids, so a first labeling costs 2 GitHub calls: this read and one mutation (labels + comment).
 */
export const ISSUE_STATE_QUERY = /* GraphQL */ `
  query LabelBotIssueState($owner: String!, $repo: String!, $number: Int!, $configPath: String!) {
    repository(owner: $owner, name: $repo) {
      isPrivate
      # Label node ids, so labels and the comment go out in one mutation (apply-decision-mutation.ts).
      repoLabels: labels(first: 100) {
        nodes {
          id
          name
        }
      }
      config: object(expression: $configPath) {
        ... on Blob {
          text
        }
      }
      issue(number: $number) {
        id
        number
        title
        body
        state
        locked
        author {
          login
          __typename
        }
        labels(first: 100) {
          nodes {
            name
          }
        }
        timelineItems(last: 100, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
          nodes {
            __typename
            ... on LabeledEvent {
              createdAt
              label {
                name
              }
              actor {
                login
                __typename
              }
            }
            ... on UnlabeledEvent {
              createdAt
              label {
                name
              }
              actor {
                login
                __typename
              }
            }
          }
        }
        comments(first: 100) {
          nodes {${GQL_COMMENT_FIELDS}
          }
        }
        # The bot usually comments first, but on an issue that already had 100 comments (a backfill of a busy
        # issue) its comment is among the last ones: without these it would be re-created on every run.
        recentComments: comments(last: 100) {
          nodes {${GQL_COMMENT_FIELDS}
          }
        }
      }
    }
    orgConfigRepo: repository(owner: $owner, name: ".github") {
      config: object(expression: $configPath) {
        ... on Blob {
          text
        }
      }
    }
  }
`;

/** `HEAD:` so the default branch is read without knowing its name. */
export const REPO_CONFIG_EXPRESSION = 'HEAD:.github/issue_label_bot.yaml';

export interface GqlActor {
  login: string;
  __typename: 'User' | 'Bot' | 'Organization' | 'Mannequin' | 'EnterpriseUserAccount';
}

/**
 * An issue comment as both operations select it. `fullDatabaseId` (a BigInt, sent as a JSON string) is the REST
 * comment id: REST comment ids passed 2^31 in 2024, beyond the 32-bit `databaseId: Int`.
 */
export interface GqlComment {
  fullDatabaseId: string | null;
  body: string;
  author: GqlActor | null;
}

export interface IssueStateResponse {
  repository: {
    isPrivate: boolean;
    /** The repo's first 100 labels; a label beyond them (or missing) has no id, and the labels then go out by REST. */
    repoLabels: { nodes: { id: string; name: string }[] };
    config: { text: string } | null;
    issue: {
      id: string;
      number: number;
      title: string;
      body: string | null;
      state: 'OPEN' | 'CLOSED';
      locked: boolean;
      author: GqlActor | null;
      labels: { nodes: { name: string }[] };
      timelineItems: {
        nodes: {
          __typename: 'LabeledEvent' | 'UnlabeledEvent';
          createdAt: string;
          label: { name: string };
          actor: GqlActor | null;
        }[];
      };
      comments: { nodes: GqlComment[] };
      recentComments: { nodes: GqlComment[] };
    } | null;
  } | null;
  /** Null when the owner has no `.github` repo or the app cannot see it. */
  orgConfigRepo: { config: { text: string } | null } | null;
}
