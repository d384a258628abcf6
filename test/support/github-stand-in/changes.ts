import type { Account, Comment, Issue, Label, Repo } from './model';

/** What the store emits on every change; webhooks.ts turns these into deliveries. */

/** Who made a change and through which door: `api` = the REST/GraphQL surface our code calls, `control` = a test. */
export type ChangeOrigin = 'api' | 'control';

export type Change =
  | { kind: 'issue.opened'; repo: Repo; issue: Issue; actor: Account; origin: ChangeOrigin }
  | {
      kind: 'issue.edited';
      repo: Repo;
      issue: Issue;
      actor: Account;
      origin: ChangeOrigin;
      changes: { title?: { from: string }; body?: { from: string | null } };
    }
  | { kind: 'issue.closed' | 'issue.reopened'; repo: Repo; issue: Issue; actor: Account; origin: ChangeOrigin }
  | {
      kind: 'issue.labeled' | 'issue.unlabeled';
      repo: Repo;
      issue: Issue;
      actor: Account;
      origin: ChangeOrigin;
      label: Label;
    }
  | {
      kind: 'comment.created' | 'comment.edited' | 'comment.deleted';
      repo: Repo;
      issue: Issue;
      comment: Comment;
      actor: Account;
      origin: ChangeOrigin;
      changes?: { body: { from: string } };
    }
  | {
      kind: 'pull.synchronize';
      repo: Repo;
      issue: Issue;
      actor: Account;
      origin: ChangeOrigin;
      before: string;
      after: string;
    };
