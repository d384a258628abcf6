import type { GqlActor } from './issue-state-query';

/**
 * Who last edited an issue's body: `editor` (GitHub's Comment interface, which Issue implements; null when the body
 * was never edited) and `author`. The config caches ask this only when a TTL refresh finds a changed body, so an edit
 * by someone without write access is ignored there too, not only on the edit's webhook.
 */
export const ISSUE_EDITOR_QUERY = /* GraphQL */ `
  query LabelBotIssueEditor($owner: String!, $repo: String!, $number: Int!) {
    repository(owner: $owner, name: $repo) {
      issue(number: $number) {
        editor {
          login
          __typename
        }
        author {
          login
          __typename
        }
      }
    }
  }
`;

export interface IssueEditorResponse {
  repository: { issue: { editor: GqlActor | null; author: GqlActor | null } | null } | null;
}
