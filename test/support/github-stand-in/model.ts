/**
 * In-memory data model of the GitHub stand-in. Plain records; the JSON shapes GitHub returns are built
 * from them in serialize.ts so the store stays easy to mutate from the control API.
 */

export type AccountType = 'User' | 'Bot' | 'Organization';
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface Account {
  id: number;
  login: string;
  type: AccountType;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export type IssueEventKind = 'labeled' | 'unlabeled' | 'closed' | 'reopened' | 'renamed' | 'commented';

export interface IssueEvent {
  id: number;
  event: IssueEventKind;
  actor: Account;
  createdAt: string;
  label?: { name: string; color: string };
  rename?: { from: string; to: string };
  commentId?: number;
}

export interface Reaction {
  id: number;
  content: string;
  user: Account;
  createdAt: string;
}

export interface Comment {
  id: number;
  issueNumber: number;
  body: string;
  user: Account;
  createdAt: string;
  updatedAt: string;
  reactions: Reaction[];
}

export interface PullInfo {
  headRef: string;
  headSha: string;
  /** Full name of the repo the head branch lives in; differs from the base repo for forks. */
  headRepo: string;
  baseRef: string;
  /**
   * Whether the head commit is reachable in the base repo (GitHub fetches a fork's head into `refs/pull/N/head`,
   * asynchronously): refs in the base repo cannot point at it until then. Default true.
   */
  headInBase?: boolean;
  draft: boolean;
  merged: boolean;
}

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  locked: boolean;
  user: Account;
  /** Lower-cased keys of the repo's labels, in the order they were added. */
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull: PullInfo | null;
  comments: Comment[];
  events: IssueEvent[];
  /** Who last changed the body (GraphQL `editor`); unset = never edited. */
  lastEditedBy?: Account;
}

export interface Repo {
  id: number;
  owner: Account;
  name: string;
  private: boolean;
  fork: boolean;
  defaultBranch: string;
  /** path → UTF-8 content on the default branch. */
  files: Map<string, string>;
  /** lower-cased name → label. GitHub label names are unique case-insensitively. */
  labels: Map<string, Label>;
  issues: Map<number, Issue>;
  nextNumber: number;
  collaborators: Map<string, Permission>;
  /** full ref (`refs/tags/x`) → sha. */
  refs: Map<string, string>;
  /** Commit statuses per sha, newest first, as GitHub lists them. */
  statuses: Map<
    string,
    {
      id: number;
      context: string;
      state: string;
      description: string | null;
      targetUrl: string | null;
      createdAt: string;
    }[]
  >;
  /** `repository_dispatch` events sent to the repo, oldest first. */
  dispatches: { eventType: string; clientPayload: Record<string, unknown> }[];
  createdAt: string;
}

export interface Installation {
  id: number;
  account: Account;
  suspended: boolean;
  removed: boolean;
}

export interface InstallationToken {
  token: string;
  installationId: number;
  expiresAt: number;
}

export function fullName(repo: Repo): string {
  return `${repo.owner.login}/${repo.name}`;
}

/** 40 hex chars, deterministic for a seed: enough for refs and PR heads, which are never checked out. */
export function fakeSha(seed: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 40; round++) {
    for (const ch of `${seed}#${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}
