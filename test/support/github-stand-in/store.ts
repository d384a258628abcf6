import { createHash } from 'node:crypto';
import type { Change, ChangeOrigin } from './changes';
import { IdentityStore } from './identity';
import {
  fakeSha,
  fullName,
  type Account,
  type AccountType,
  type Comment,
  type Issue,
  type IssueEvent,
  type Label,
  type Permission,
  type PullInfo,
  type Repo,
} from './model';

export interface AppIdentity {
  id: number;
  slug: string;
  name: string;
}

/** Default label colours GitHub picks from when a label is created implicitly. */
/** The colours of the labels GitHub creates in every new repository. */
const GITHUB_DEFAULT_LABELS: Record<string, string> = {
  bug: 'd73a4a',
  documentation: '0075ca',
  duplicate: 'cfd3d7',
  enhancement: 'a2eeef',
  'good first issue': '7057ff',
  'help wanted': '008672',
  invalid: 'e4e669',
  question: 'd876e3',
  wontfix: 'ffffff',
};
const LABEL_COLORS = [
  'ededed',
  'd73a4a',
  'a2eeef',
  '0075ca',
  '7057ff',
  'e4e669',
  '008672',
  'cfd3d7',
  'fbca04',
  '5319e7',
];

/**
 * A label created without a colour gets GitHub's default colour for that name, else one picked by a hash of the name,
 * so `bug` looks the same in every repo.
 */
function defaultColor(name: string): string {
  const key = name.toLowerCase();
  return (
    GITHUB_DEFAULT_LABELS[key] ?? LABEL_COLORS[createHash('sha256').update(key).digest()[0]! % LABEL_COLORS.length]!
  );
}

export class NotFound extends Error {}

/**
 * The stand-in's state: repos, their labels, issues, comments and pull requests, on one clock. Every change goes
 * through a method here, which records the issue event GitHub would and emits a `Change` (changes.ts) for webhooks.
 * Who is who (accounts, installations, tokens) lives in `identity` (identity.ts).
 */
export class GitHubStore {
  readonly app: AppIdentity;
  readonly bot: Account;
  /** Accounts, installations and tokens. */
  readonly identity: IdentityStore;
  private readonly repos = new Map<string, Repo>();
  private readonly listeners: ((change: Change) => void)[] = [];
  private readonly racers = new Map<string, 'before' | 'after'>();
  private nextId = 1000;
  private clockOffsetMs = 0;
  private lastTimestamp = 0;

  constructor(app: AppIdentity) {
    this.app = app;
    this.identity = new IdentityStore({ id: () => this.id(), nowMs: () => Date.now() + this.clockOffsetMs });
    this.bot = this.identity.account(`${app.slug}[bot]`, 'Bot');
  }

  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  id(): number {
    return this.nextId++;
  }

  /** Strictly increasing timestamps, so `since` filters and event order are unambiguous even within one millisecond. */
  now(): string {
    const t = Math.max(Date.now() + this.clockOffsetMs, this.lastTimestamp + 1);
    this.lastTimestamp = t;
    return new Date(t).toISOString();
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  // ---- repos ----

  createRepo(opts: {
    owner: string;
    name: string;
    private?: boolean;
    ownerType?: AccountType;
    files?: Record<string, string>;
    fork?: boolean;
    installationId?: number;
    install?: boolean;
    defaultBranch?: string;
  }): Repo {
    const key = `${opts.owner}/${opts.name}`.toLowerCase();
    const existing = this.repos.get(key);
    if (existing) {
      if (opts.private !== undefined) existing.private = opts.private;
      for (const [path, content] of Object.entries(opts.files ?? {})) existing.files.set(path, content);
      return existing;
    }
    const owner = this.identity.account(
      opts.owner,
      opts.ownerType ?? this.identity.findAccount(opts.owner)?.type ?? 'Organization',
    );
    const repo: Repo = {
      id: this.id(),
      owner,
      name: opts.name,
      private: opts.private ?? false,
      fork: opts.fork ?? false,
      defaultBranch: opts.defaultBranch ?? 'main',
      files: new Map(Object.entries(opts.files ?? {})),
      labels: new Map(),
      issues: new Map(),
      nextNumber: 1,
      collaborators: new Map(),
      refs: new Map([[`refs/heads/${opts.defaultBranch ?? 'main'}`, fakeSha(`${key}:init`)]]),
      statuses: new Map(),
      dispatches: [],
      createdAt: this.now(),
    };
    this.repos.set(key, repo);
    if (opts.install !== false) this.identity.ensureInstallation(owner, opts.installationId);
    return repo;
  }

  getRepo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  requireRepo(owner: string, name: string): Repo {
    const repo = this.getRepo(owner, name);
    if (!repo) throw new NotFound(`repo ${owner}/${name} does not exist`);
    return repo;
  }

  allRepos(): Repo[] {
    return [...this.repos.values()];
  }

  deleteRepo(owner: string, name: string): void {
    this.repos.delete(`${owner}/${name}`.toLowerCase());
  }

  permissionOf(repo: Repo, login: string): Permission {
    if (login.toLowerCase() === repo.owner.login.toLowerCase()) return 'admin';
    return repo.collaborators.get(login.toLowerCase()) ?? (repo.private ? 'none' : 'read');
  }

  setPermission(repo: Repo, login: string, permission: Permission): void {
    this.identity.account(login);
    repo.collaborators.set(login.toLowerCase(), permission);
  }

  // ---- labels ----

  /** GitHub creates a missing label on first use; names match case-insensitively and keep the first spelling. */
  ensureLabel(repo: Repo, name: string, color?: string, description?: string | null): Label {
    const key = name.toLowerCase();
    let label = repo.labels.get(key);
    if (!label) {
      label = {
        id: this.id(),
        name,
        color: color ?? defaultColor(name),
        description: description ?? null,
      };
      repo.labels.set(key, label);
    }
    return label;
  }

  // ---- issues ----

  requireIssue(repo: Repo, number: number): Issue {
    const issue = repo.issues.get(number);
    if (!issue) throw new NotFound(`issue ${fullName(repo)}#${number} does not exist`);
    return issue;
  }

  createIssue(
    repo: Repo,
    opts: { title: string; body?: string | null; user: Account; labels?: string[]; pull?: PullInfo; number?: number },
    origin: ChangeOrigin,
  ): Issue {
    const number = opts.number ?? repo.nextNumber;
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const at = this.now();
    const issue: Issue = {
      id: this.id(),
      number,
      title: opts.title,
      body: opts.body ?? null,
      state: 'open',
      stateReason: null,
      locked: false,
      user: opts.user,
      labels: [],
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      pull: opts.pull ?? null,
      comments: [],
      events: [],
    };
    // Labels given at creation time are part of the "opened" payload; GitHub also records labeled events for them
    // and sends an `issues.labeled` webhook per label right after `issues.opened`.
    const initial: Label[] = [];
    for (const name of opts.labels ?? []) {
      const label = this.ensureLabel(repo, name);
      if (!issue.labels.includes(label.name.toLowerCase())) {
        issue.labels.push(label.name.toLowerCase());
        issue.events.push(this.event('labeled', opts.user, { label: { name: label.name, color: label.color } }));
        initial.push(label);
      }
    }
    repo.issues.set(number, issue);
    this.emit({ kind: 'issue.opened', repo, issue, actor: opts.user, origin });
    for (const label of initial) this.emit({ kind: 'issue.labeled', repo, issue, actor: opts.user, origin, label });
    return issue;
  }

  private event(kind: IssueEvent['event'], actor: Account, extra: Partial<IssueEvent> = {}): IssueEvent {
    return { id: this.id(), event: kind, actor, createdAt: this.now(), ...extra };
  }

  editIssue(
    repo: Repo,
    issue: Issue,
    patch: {
      title?: string;
      body?: string | null;
      state?: 'open' | 'closed';
      stateReason?: Issue['stateReason'];
      locked?: boolean;
    },
    actor: Account,
    origin: ChangeOrigin,
  ): void {
    const changes: { title?: { from: string }; body?: { from: string | null } } = {};
    if (patch.title !== undefined && patch.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.events.push(this.event('renamed', actor, { rename: { from: issue.title, to: patch.title } }));
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== issue.body) {
      changes.body = { from: issue.body };
      issue.body = patch.body;
      issue.lastEditedBy = actor;
    }
    if (patch.locked !== undefined) issue.locked = patch.locked;
    const stateChange = patch.state !== undefined && patch.state !== issue.state ? patch.state : undefined;
    if (changes.title || changes.body || stateChange || patch.locked !== undefined) issue.updatedAt = this.now();
    if (changes.title || changes.body) this.emit({ kind: 'issue.edited', repo, issue, actor, origin, changes });
    if (stateChange === 'closed') {
      issue.state = 'closed';
      issue.stateReason = patch.stateReason ?? 'completed';
      issue.closedAt = this.now();
      issue.events.push(this.event('closed', actor));
      this.emit({ kind: 'issue.closed', repo, issue, actor, origin });
    } else if (stateChange === 'open') {
      issue.state = 'open';
      issue.stateReason = 'reopened';
      issue.closedAt = null;
      issue.events.push(this.event('reopened', actor));
      this.emit({ kind: 'issue.reopened', repo, issue, actor, origin });
    }
  }

  /** Returns the labels that were actually new; re-adding an existing label is a no-op without an event, like GitHub. */
  addLabels(repo: Repo, issue: Issue, names: string[], actor: Account, origin: ChangeOrigin): Label[] {
    const added: Label[] = [];
    for (const name of names) {
      const label = this.ensureLabel(repo, name);
      const key = label.name.toLowerCase();
      if (issue.labels.includes(key)) continue;
      issue.labels.push(key);
      issue.events.push(this.event('labeled', actor, { label: { name: label.name, color: label.color } }));
      added.push(label);
    }
    if (added.length) issue.updatedAt = this.now();
    for (const label of added) this.emit({ kind: 'issue.labeled', repo, issue, actor, origin, label });
    return added;
  }

  removeLabel(repo: Repo, issue: Issue, name: string, actor: Account, origin: ChangeOrigin): boolean {
    const key = name.toLowerCase();
    const index = issue.labels.indexOf(key);
    if (index < 0) return false;
    issue.labels.splice(index, 1);
    const label = repo.labels.get(key)!;
    issue.events.push(this.event('unlabeled', actor, { label: { name: label.name, color: label.color } }));
    issue.updatedAt = this.now();
    this.emit({ kind: 'issue.unlabeled', repo, issue, actor, origin, label });
    return true;
  }

  setLabels(repo: Repo, issue: Issue, names: string[], actor: Account, origin: ChangeOrigin): void {
    const wanted = new Set(names.map((n) => n.toLowerCase()));
    for (const key of [...issue.labels]) if (!wanted.has(key)) this.removeLabel(repo, issue, key, actor, origin);
    this.addLabels(repo, issue, names, actor, origin);
  }

  // ---- comments ----

  findComment(repo: Repo, commentId: number): { issue: Issue; comment: Comment } | undefined {
    for (const issue of repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === commentId);
      if (comment) return { issue, comment };
    }
    return undefined;
  }

  /**
   * The next comment our code creates on this issue (REST or GraphQL) races another delivery: an identical comment by
   * the same actor is committed just before ours (`before`: the racer is the older one) or just after (`after`).
   */
  raceNextComment(repo: Repo, issue: Issue, when: 'before' | 'after'): void {
    this.racers.set(`${fullName(repo)}#${issue.number}`.toLowerCase(), when);
  }

  createComment(repo: Repo, issue: Issue, body: string, actor: Account, origin: ChangeOrigin): Comment {
    const key = `${fullName(repo)}#${issue.number}`.toLowerCase();
    const racer = origin === 'api' ? this.racers.get(key) : undefined;
    if (racer) {
      this.racers.delete(key);
      if (racer === 'before') this.createComment(repo, issue, body, actor, 'control');
      const ours = this.createComment(repo, issue, body, actor, origin);
      if (racer === 'after') this.createComment(repo, issue, body, actor, 'control');
      return ours;
    }
    const at = this.now();
    const comment: Comment = {
      id: this.id(),
      issueNumber: issue.number,
      body,
      user: actor,
      createdAt: at,
      updatedAt: at,
      reactions: [],
    };
    issue.comments.push(comment);
    issue.events.push(this.event('commented', actor, { commentId: comment.id }));
    issue.updatedAt = at;
    this.emit({ kind: 'comment.created', repo, issue, comment, actor, origin });
    return comment;
  }

  updateComment(repo: Repo, issue: Issue, comment: Comment, body: string, actor: Account, origin: ChangeOrigin): void {
    const from = comment.body;
    comment.body = body;
    comment.updatedAt = this.now();
    issue.updatedAt = comment.updatedAt;
    if (from !== body)
      this.emit({ kind: 'comment.edited', repo, issue, comment, actor, origin, changes: { body: { from } } });
  }

  deleteComment(repo: Repo, issue: Issue, comment: Comment, actor: Account, origin: ChangeOrigin): void {
    issue.comments = issue.comments.filter((c) => c.id !== comment.id);
    issue.events = issue.events.filter((e) => e.commentId !== comment.id);
    this.emit({ kind: 'comment.deleted', repo, issue, comment, actor, origin });
  }

  addReaction(
    comment: Comment,
    content: string,
    user: Account,
  ): { reaction: Comment['reactions'][number]; created: boolean } {
    const existing = comment.reactions.find((r) => r.content === content && r.user.id === user.id);
    if (existing) return { reaction: existing, created: false };
    const reaction = { id: this.id(), content, user, createdAt: this.now() };
    comment.reactions.push(reaction);
    return { reaction, created: true };
  }

  // ---- pulls ----

  pushToPull(repo: Repo, issue: Issue, actor: Account, origin: ChangeOrigin): string {
    if (!issue.pull) throw new NotFound('not a pull request');
    const before = issue.pull.headSha;
    const after = fakeSha(`${before}:${this.now()}`);
    issue.pull.headSha = after;
    issue.updatedAt = this.now();
    this.emit({ kind: 'pull.synchronize', repo, issue, actor, origin, before, after });
    return after;
  }
}
