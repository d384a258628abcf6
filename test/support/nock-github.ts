import nock from 'nock';
import { ProbotOctokit } from 'probot';
import type { GqlActor, GqlComment, IssueStateResponse } from '../../src/github/issue-state-query';
import { ISSUE_EDITOR_OPERATION } from '../../src/github/issue-editor-query';
import { ADD_COMMENT_OPERATION, type AddCommentResponse } from '../../src/github/add-comment-mutation';

function isMutation(body: Record<string, unknown>): boolean {
  return typeof body.query === 'string' && /^\s*(?:#[^\n]*\n\s*)*mutation\b/.test(body.query);
}

function operationName(body: Record<string, unknown>): string | undefined {
  if (typeof body.operationName === 'string' && body.operationName) return body.operationName;
  if (typeof body.query !== 'string') return undefined;
  return /\b(?:query|mutation)\s+([A-Za-z_]\w*)/.exec(body.query)?.[1];
}

/**
 * A small stateful GitHub behind nock for frontend tests: the labeler's GraphQL read and comment mutation, labels, comments,
 * the config issue (with ETags) and collaborator permissions. Writes mutate the state, so repeated deliveries
 * see what earlier ones did, exactly like the real API.
 */

/**
 * Retry and throttling off. A function, not an object: Probot's installation clients pass their own `throttle`
 * options, which would shallow-override `{ enabled: false }` and bring back the 1 s gap between writes.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
})) as typeof ProbotOctokit;
export const testOctokit = () => new TestOctokit({ auth: { token: 'test-installation-token' } });

export const BOT_LOGIN = 'label-bot[bot]';
const bot: GqlActor = { login: BOT_LOGIN, __typename: 'Bot' };
const user = (login: string): GqlActor => ({ login, __typename: 'User' });
/** `fullDatabaseId` is a BigInt, which GitHub sends as a JSON string. */
const gqlComment = (c: FakeComment): GqlComment => ({ fullDatabaseId: String(c.id), body: c.body, author: c.author });
/** Opaque like GitHub's, but decodable here: the comment mutation names its issue by this id. */
const issueNodeId = (repo: { owner: string; name: string }, number: number): string => `I_${repo.owner}/${repo.name}#${number}`.toLowerCase();

export interface FakeTimelineEvent {
  type: 'LabeledEvent' | 'UnlabeledEvent';
  label: string;
  actor: GqlActor;
  createdAt: string;
}

export interface FakeComment {
  id: number;
  body: string;
  author: GqlActor;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'OPEN' | 'CLOSED';
  locked: boolean;
  author: string;
  labels: string[];
  timeline: FakeTimelineEvent[];
  comments: FakeComment[];
  etag: string;
  /** Login of the body's last editor (GraphQL `editor`); unset = never edited. */
  editor?: string;
}

export interface FakeRepoInit {
  isPrivate?: boolean;
  /** Text of `.github/issue_label_bot.yaml`; undefined = no file. */
  config?: string;
  permissions?: Record<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
}

interface FakeRepo extends Required<Omit<FakeRepoInit, 'config'>> {
  owner: string;
  name: string;
  config?: string;
  issues: Map<number, FakeIssue>;
}

export interface RecordedCall {
  method: string;
  path: string;
  body?: unknown;
  /** GraphQL operation name (all GraphQL calls share the path `/graphql`). */
  operation?: string;
  /** Changes state: a REST write or a GraphQL mutation (not the GraphQL reads, not installation tokens). */
  write: boolean;
}

/** Where another delivery's comment lands relative to ours: committed just before it (older) or just after. */
export type RacingComment = 'before' | 'after';

export class FakeGitHub {
  readonly repos = new Map<string, FakeRepo>();
  /** owner → org `.github` config text; absent owner ⇒ the GraphQL error GitHub sends for a missing repo. */
  readonly orgConfigs = new Map<string, string | null>();
  readonly calls: RecordedCall[] = [];
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  /** Fail the next N labels POSTs with this status (transient/permanent error tests). */
  failLabelsWith: { status: number; times: number } | null = null;
  /** `owner/repo#n` → a racer's bot comment to commit around the next comment mutation on that issue. */
  private readonly racers = new Map<string, RacingComment>();

  constructor(readonly baseUrl = 'https://api.github.com') {}

  addRepo(fullName: string, init: FakeRepoInit = {}): FakeRepo {
    const [owner, name] = fullName.split('/') as [string, string];
    const repo: FakeRepo = { owner, name, isPrivate: init.isPrivate ?? false, config: init.config, permissions: init.permissions ?? {}, issues: new Map() };
    this.repos.set(fullName.toLowerCase(), repo);
    return repo;
  }

  repo(fullName: string): FakeRepo {
    const r = this.repos.get(fullName.toLowerCase());
    if (!r) throw new Error(`no fake repo ${fullName}`);
    return r;
  }

  addIssue(fullName: string, issue: Partial<FakeIssue> & { number: number }): FakeIssue {
    const full: FakeIssue = {
      title: 'Something broke',
      body: 'It crashes',
      state: 'OPEN',
      locked: false,
      author: 'alice',
      labels: [],
      timeline: [],
      comments: [],
      etag: `"e${this.nextId++}"`,
      ...issue,
    };
    this.repo(fullName).issues.set(issue.number, full);
    return full;
  }

  issue(fullName: string, number: number): FakeIssue {
    const i = this.repo(fullName).issues.get(number);
    if (!i) throw new Error(`no fake issue ${fullName}#${number}`);
    return i;
  }

  /** A human removes a label (an UnlabeledEvent by a User). */
  humanUnlabel(fullName: string, number: number, label: string, login = 'maintainer'): void {
    const i = this.issue(fullName, number);
    i.labels = i.labels.filter((l) => l !== label);
    i.timeline.push({ type: 'UnlabeledEvent', label, actor: user(login), createdAt: this.tick() });
  }

  humanLabel(fullName: string, number: number, label: string, login = 'maintainer'): void {
    const i = this.issue(fullName, number);
    if (!i.labels.includes(label)) i.labels.push(label);
    i.timeline.push({ type: 'LabeledEvent', label, actor: user(login), createdAt: this.tick() });
  }

  editIssueBody(fullName: string, number: number, body: string, editor?: string): void {
    const i = this.issue(fullName, number);
    i.body = body;
    i.editor = editor;
    i.etag = `"e${this.nextId++}"`;
  }

  writes(): RecordedCall[] {
    return this.calls.filter((c) => c.write);
  }

  /** GraphQL calls of one operation, e.g. the comment mutation. */
  graphqlCalls(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /**
   * The next comment mutation on this issue races another delivery: that delivery's identical bot comment is
   * committed just before ours (it is the older one) or just after (ours is), and both show in our payload.
   */
  raceNextComment(fullName: string, number: number, racer: RacingComment): void {
    this.racers.set(`${fullName}#${number}`.toLowerCase(), racer);
  }

  callsTo(method: string, pathPart: string | RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (typeof pathPart === 'string' ? c.path.includes(pathPart) : pathPart.test(c.path)));
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private graphql(variables: { owner: string; repo: string; number: number }): { status: number; body: unknown } {
    const repo = this.repos.get(`${variables.owner}/${variables.repo}`.toLowerCase());
    const issue = repo?.issues.get(variables.number);
    const errors: unknown[] = [];
    let repository: IssueStateResponse['repository'] = null;
    if (!repo) {
      errors.push({ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${variables.owner}/${variables.repo}'.` });
    } else {
      if (!issue) errors.push({ type: 'NOT_FOUND', path: ['repository', 'issue'], message: `Could not resolve to an issue with the number of ${variables.number}.` });
      repository = {
        isPrivate: repo.isPrivate,
        config: repo.config === undefined ? null : { text: repo.config },
        issue: issue
          ? {
              id: issueNodeId(repo, issue.number),
              number: issue.number,
              title: issue.title,
              body: issue.body,
              state: issue.state,
              locked: issue.locked,
              author: user(issue.author),
              labels: { nodes: issue.labels.map((name) => ({ name })) },
              timelineItems: {
                nodes: issue.timeline.slice(-100).map((e) => ({ __typename: e.type, createdAt: e.createdAt, label: { name: e.label }, actor: e.actor })),
              },
              comments: { nodes: issue.comments.slice(0, 100).map(gqlComment) },
              recentComments: { nodes: issue.comments.slice(-100).map(gqlComment) },
            }
          : null,
      };
    }
    let orgConfigRepo: IssueStateResponse['orgConfigRepo'] = null;
    if (this.orgConfigs.has(variables.owner.toLowerCase())) {
      const text = this.orgConfigs.get(variables.owner.toLowerCase());
      orgConfigRepo = { config: text == null ? null : { text } };
    } else {
      errors.push({ type: 'NOT_FOUND', path: ['orgConfigRepo'], message: `Could not resolve to a Repository with the name '${variables.owner}/.github'.` });
    }
    const body: Record<string, unknown> = { data: { repository, orgConfigRepo } };
    if (errors.length) body.errors = errors;
    return { status: 200, body };
  }

  /** LabelBotAddComment: the payload is read after the write, so it lists our comment and any racer's. */
  private addComment(variables: { subjectId?: string; body?: string }): { status: number; body: unknown } {
    const found = [...this.repos.values()].flatMap((repo) => [...repo.issues.values()].map((issue) => ({ repo, issue })))
      .find(({ repo, issue }) => issueNodeId(repo, issue.number) === variables.subjectId);
    if (!found) {
      const message = `Could not resolve to a node with the global id of '${variables.subjectId}'.`;
      return { status: 200, body: { data: { addComment: null }, errors: [{ type: 'NOT_FOUND', path: ['addComment'], message }] } };
    }
    const { repo, issue } = found;
    const key = `${repo.owner}/${repo.name}#${issue.number}`.toLowerCase();
    const racer = this.racers.get(key);
    this.racers.delete(key);
    const post = () => {
      const c = { id: this.nextId++, body: variables.body ?? '', author: bot };
      issue.comments.push(c);
      return c;
    };
    if (racer === 'before') post();
    const comment = post();
    if (racer === 'after') post();
    const data: AddCommentResponse = {
      addComment: { commentEdge: { node: { fullDatabaseId: String(comment.id) } }, subject: { comments: { nodes: issue.comments.slice(-100).map(gqlComment) } } },
    };
    return { status: 200, body: { data } };
  }

  /** Installs persistent interceptors; call `nock.cleanAll()` in afterEach. */
  install(): nock.Scope {
    const scope = nock(this.baseUrl).persist();
    const record = (method: string, path: string, body?: unknown, extra: Partial<RecordedCall> = {}) =>
      this.calls.push({ method, path, body, write: method !== 'GET' && method !== 'HEAD' && !path.includes('/access_tokens'), ...extra });

    scope.post(/^\/app\/installations\/\d+\/access_tokens$/).reply(function (path) {
      record('POST', path);
      return [201, { token: 'test-installation-token', expires_at: '2099-01-01T00:00:00Z', permissions: { issues: 'write' }, repository_selection: 'all' }];
    });

    scope.post('/graphql').reply((path, body) => {
      const b = body as { query: string; variables: { owner: string; repo: string; number: number } };
      const operation = operationName(b);
      record('POST', path, b.variables, { operation, write: isMutation(b) });
      if (operation === ADD_COMMENT_OPERATION) {
        const r = this.addComment(b.variables as { subjectId?: string; body?: string });
        return [r.status, r.body];
      }
      if (operation === ISSUE_EDITOR_OPERATION) {
        const issue = this.repos.get(`${b.variables.owner}/${b.variables.repo}`.toLowerCase())?.issues.get(b.variables.number);
        const who = (login: string) => (login.endsWith('[bot]') ? bot : user(login));
        return [200, { data: { repository: { issue: issue ? { editor: issue.editor ? who(issue.editor) : null, author: who(issue.author) } : null } } }];
      }
      const r = this.graphql(b.variables);
      return [r.status, r.body];
    });

    scope.post(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels$/).reply((path, body) => {
      record('POST', path, body);
      if (this.failLabelsWith && this.failLabelsWith.times > 0) {
        this.failLabelsWith.times--;
        return [this.failLabelsWith.status, { message: 'injected failure' }];
      }
      const [, , owner, name, , num] = path.split('/');
      const issue = this.issue(`${owner}/${name}`, Number(num));
      for (const label of (body as { labels: string[] }).labels) {
        if (!issue.labels.includes(label)) {
          issue.labels.push(label);
          issue.timeline.push({ type: 'LabeledEvent', label, actor: bot, createdAt: this.tick() });
        }
      }
      return [200, issue.labels.map((name) => ({ name }))];
    });

    scope.post(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/).reply((path, body) => {
      record('POST', path, body);
      const [, , owner, name, , num] = path.split('/');
      const issue = this.issue(`${owner}/${name}`, Number(num));
      const comment = { id: this.nextId++, body: (body as { body: string }).body, author: bot };
      issue.comments.push(comment);
      return [201, { id: comment.id, body: comment.body, user: { login: BOT_LOGIN, type: 'Bot' }, created_at: this.tick() }];
    });

    scope.delete(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+$/).reply((path) => {
      record('DELETE', path);
      const id = Number(path.split('/').pop());
      for (const repo of this.repos.values()) {
        for (const issue of repo.issues.values()) {
          const at = issue.comments.findIndex((x) => x.id === id);
          if (at >= 0) {
            issue.comments.splice(at, 1);
            return [204, ''];
          }
        }
      }
      return [404, { message: 'Not Found' }];
    });

    scope.patch(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+$/).reply((path, body) => {
      record('PATCH', path, body);
      const id = Number(path.split('/').pop());
      for (const repo of this.repos.values()) {
        for (const issue of repo.issues.values()) {
          const c = issue.comments.find((x) => x.id === id);
          if (c) {
            c.body = (body as { body: string }).body;
            return [200, { id, body: c.body }];
          }
        }
      }
      return [404, { message: 'Not Found' }];
    });

    scope.get(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments(\?.*)?$/).reply((path) => {
      record('GET', path);
      const [, , owner, name, , num] = path.split('?')[0]!.split('/');
      const issue = this.issue(`${owner}/${name}`, Number(num));
      const page = Number(new URL(path, 'http://x').searchParams.get('page') ?? '1');
      const items = issue.comments.slice((page - 1) * 100, page * 100);
      return [200, items.map((c) => ({ id: c.id, body: c.body, user: { login: c.author.login, type: c.author.__typename === 'Bot' ? 'Bot' : 'User' } }))];
    });

    const repos = this.repos;
    scope.get(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+$/).reply(function (path) {
      record('GET', path);
      const [, , owner, name, , num] = path.split('/');
      const repo = repos.get(`${owner}/${name}`.toLowerCase());
      const issue = repo?.issues.get(Number(num));
      if (!issue) return [404, { message: 'Not Found' }];
      const inm = this.req.headers['if-none-match'];
      if (inm && inm === issue.etag) return [304, ''];
      return [200, { number: issue.number, title: issue.title, body: issue.body, state: issue.state.toLowerCase() }, { ETag: issue.etag }];
    });

    scope.get(/^\/repos\/[^/]+\/[^/]+\/collaborators\/[^/]+\/permission$/).reply((path) => {
      record('GET', path);
      const [, , owner, name, , username] = path.split('/');
      const perm = this.repos.get(`${owner}/${name}`.toLowerCase())?.permissions[decodeURIComponent(username!)];
      if (!perm || perm === 'none') return [404, { message: 'Not Found' }];
      const legacy = perm === 'maintain' ? 'write' : perm === 'triage' ? 'read' : perm;
      return [200, { permission: legacy, role_name: perm, user: { login: username } }];
    });

    scope.get(/^\/repos\/[^/]+\/[^/]+\/installation$/).reply((path) => {
      record('GET', path);
      return [200, { id: 4242, account: { login: path.split('/')[2] } }];
    });

    return scope;
  }
}
