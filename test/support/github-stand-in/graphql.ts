import type { GqlActor, GqlComment, IssueStateResponse } from '../../../src/github/issue-state-query';
import { ISSUE_STATE_OPERATION } from '../../../src/github/issue-state-query';
import { ISSUE_EDITOR_OPERATION } from '../../../src/github/issue-editor-query';
import { ADD_COMMENT_OPERATION, type AddCommentResponse } from '../../../src/github/add-comment-mutation';
import { APPLY_DECISION_OPERATION, type ApplyDecisionResponse } from '../../../src/github/apply-decision-mutation';
import { fullName, type Account, type Comment, type Issue, type Repo } from './model';
import { actorOf, canSee, type Ctx } from './router';
import { nodeId } from './serialize';
import type { GitHubStore } from './store';

/**
 * GraphQL is answered by operation name, not by a GraphQL engine: each operation our code sends
 * has a resolver here that returns what GitHub would for that exact query text.
 * Register more with `standIn.graphql.set(name, resolver)` or add them to `builtinOperations`.
 */

export interface GraphqlError {
  type?: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  message: string;
}

export interface GraphqlAnswer {
  data: unknown;
  errors?: GraphqlError[];
}

export type GraphqlResolver = (variables: Record<string, unknown>, ctx: Ctx) => GraphqlAnswer;

/** GitHub's GraphQL names a bot by its slug, without the `[bot]` suffix the REST API shows. */
export function gqlActor(account: Account): GqlActor {
  return {
    login: account.type === 'Bot' ? account.login.replace(/\[bot\]$/, '') : account.login,
    __typename: account.type,
  };
}

/** `fullDatabaseId` is a BigInt, which GitHub sends as a JSON string. */
function gqlComment(c: Comment): GqlComment {
  return { fullDatabaseId: String(c.id), body: c.body, author: gqlActor(c.user) };
}

function notFoundError(path: string[], message: string, line: number): GraphqlError {
  return { type: 'NOT_FOUND', path, locations: [{ line, column: 5 }], message };
}

/** `HEAD:path` / `main:path` → the file on the default branch (the stand-in keeps one branch). */
function blob(repo: Repo, expression: unknown): { text: string } | null {
  if (typeof expression !== 'string') return null;
  const path = expression.includes(':') ? expression.slice(expression.indexOf(':') + 1) : expression;
  const text = repo.files.get(path);
  return text === undefined ? null : { text };
}

function visibleRepo(ctx: Ctx, owner: unknown, name: unknown): Repo | undefined {
  if (typeof owner !== 'string' || typeof name !== 'string') return undefined;
  const repo = ctx.store.getRepo(owner, name);
  return repo && canSee(ctx, repo) ? repo : undefined;
}

function issueState(variables: Record<string, unknown>, ctx: Ctx): GraphqlAnswer {
  const { owner, repo: repoName, number, configPath } = variables;
  const errors: GraphqlError[] = [];
  const data: IssueStateResponse = { repository: null, orgConfigRepo: null };
  const repo = visibleRepo(ctx, owner, repoName);
  if (!repo) {
    errors.push(notFoundError(['repository'], `Could not resolve to a Repository with the name '${owner}/${repoName}'.`, 3));
  } else {
    const issue = typeof number === 'number' ? repo.issues.get(number) : undefined;
    let issueData: NonNullable<IssueStateResponse['repository']>['issue'] = null;
    if (!issue || issue.pull) {
      errors.push(notFoundError(['repository', 'issue'], `Could not resolve to an Issue with the number of ${number}.`, 8));
    } else {
      const labelEvents = issue.events.filter((e) => e.event === 'labeled' || e.event === 'unlabeled').slice(-100);
      issueData = {
        id: nodeId('Issue', issue.id),
        number: issue.number,
        title: issue.title,
        body: issue.body ?? '',
        state: issue.state === 'open' ? 'OPEN' : 'CLOSED',
        locked: issue.locked,
        author: gqlActor(issue.user),
        labels: { nodes: issue.labels.slice(0, 100).map((key) => ({ name: repo.labels.get(key)!.name })) },
        timelineItems: {
          nodes: labelEvents.map((e) => ({
            __typename: e.event === 'labeled' ? ('LabeledEvent' as const) : ('UnlabeledEvent' as const),
            createdAt: e.createdAt,
            label: { name: e.label!.name },
            actor: gqlActor(e.actor),
          })),
        },
        comments: {
          nodes: issue.comments.slice(0, 100).map(gqlComment),
        },
        recentComments: {
          nodes: issue.comments.slice(-100).map(gqlComment),
        },
      };
    }
    data.repository = {
      isPrivate: repo.private,
      repoLabels: { nodes: [...repo.labels.values()].slice(0, 100).map((l) => ({ id: nodeId('Label', l.id), name: l.name })) },
      config: blob(repo, configPath),
      issue: issueData,
    };
  }
  const orgRepo = visibleRepo(ctx, owner, '.github');
  if (orgRepo) {
    data.orgConfigRepo = { config: blob(orgRepo, configPath) };
  } else {
    errors.push(notFoundError(['orgConfigRepo'], `Could not resolve to a Repository with the name '${owner}/.github'.`, 33));
  }
  return errors.length ? { data, errors } : { data };
}

/** LabelBotIssueEditor (src/github/issue-editor-query.ts): the body's last editor and the author. */
function issueEditor(variables: Record<string, unknown>, ctx: Ctx): GraphqlAnswer {
  const { owner, repo: repoName, number } = variables;
  const repo = visibleRepo(ctx, owner, repoName);
  if (!repo) return { data: { repository: null }, errors: [notFoundError(['repository'], `Could not resolve to a Repository with the name '${owner}/${repoName}'.`, 3)] };
  const issue = typeof number === 'number' ? repo.issues.get(number) : undefined;
  if (!issue || issue.pull) return { data: { repository: { issue: null } }, errors: [notFoundError(['repository', 'issue'], `Could not resolve to an Issue with the number of ${number}.`, 4)] };
  const editor = issue.lastEditedBy ? gqlActor(issue.lastEditedBy) : null;
  return { data: { repository: { issue: { editor, author: gqlActor(issue.user) } } } };
}

/** The issue or pull request behind a node id (`nodeId('Issue', id)` / `nodeId('PullRequest', id)`), visibility aside. */
function findByNodeId(store: GitHubStore, id: unknown): { repo: Repo; issue: Issue } | undefined {
  if (typeof id !== 'string') return undefined;
  const m = /^0:(Issue|PullRequest)(\d+)$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (!m) return undefined;
  for (const repo of store.allRepos()) {
    for (const issue of repo.issues.values()) {
      if (issue.id === Number(m[2]) && (issue.pull !== null) === (m[1] === 'PullRequest')) return { repo, issue };
    }
  }
  return undefined;
}

/**
 * LabelBotAddComment (src/github/add-comment-mutation.ts): creates the comment through the store (so events and
 * webhooks follow, as for the REST create), then resolves the payload from the state after the write, like GitHub.
 */
function addComment(variables: Record<string, unknown>, ctx: Ctx): GraphqlAnswer {
  const { subjectId, body } = variables;
  const found = findByNodeId(ctx.store, subjectId);
  if (!found || !canSee(ctx, found.repo)) {
    return {
      data: { addComment: null },
      errors: [notFoundError(['addComment'], `Could not resolve to a node with the global id of '${String(subjectId)}'.`, 3)],
    };
  }
  if (typeof body !== 'string' || body === '') {
    return { data: { addComment: null }, errors: [{ type: 'UNPROCESSABLE', path: ['addComment'], message: 'Body cannot be blank' }] };
  }
  let actor: Account;
  try {
    actor = actorOf(ctx);
  } catch {
    return { data: { addComment: null }, errors: [{ type: 'FORBIDDEN', path: ['addComment'], message: 'Resource not accessible by integration' }] };
  }
  const { repo, issue } = found;
  const comment = ctx.store.createComment(repo, issue, body, actor, 'api');
  const data: AddCommentResponse = {
    addComment: {
      commentEdge: { node: { fullDatabaseId: String(comment.id) } },
      // The query selects comments only `... on Issue`: a pull request subject matches no fragment.
      subject: issue.pull ? {} : { comments: { nodes: issue.comments.slice(-100).map(gqlComment) } },
    },
  };
  return { data };
}

/** The repo's label behind a node id (`nodeId('Label', id)`). */
function labelByNodeId(repo: Repo, id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const m = /^0:Label(\d+)$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  return m ? [...repo.labels.values()].find((l) => l.id === Number(m[1]))?.name : undefined;
}

/**
 * LabelBotApplyDecision (src/github/apply-decision-mutation.ts): `addLabelsToLabelable`, then `addComment` when
 * `$comment` is true, in that order, each through the store like its REST twin; the comment payload is resolved after
 * both writes, like GitHub.
 */
function applyDecision(variables: Record<string, unknown>, ctx: Ctx): GraphqlAnswer {
  const { issueId, labelIds, body, comment } = variables;
  const found = findByNodeId(ctx.store, issueId);
  if (!found || !canSee(ctx, found.repo)) {
    return {
      data: { addLabelsToLabelable: null, ...(comment ? { addComment: null } : {}) },
      errors: [notFoundError(['addLabelsToLabelable'], `Could not resolve to a node with the global id of '${String(issueId)}'.`, 3)],
    };
  }
  let actor: Account;
  try {
    actor = actorOf(ctx);
  } catch {
    return { data: { addLabelsToLabelable: null }, errors: [{ type: 'FORBIDDEN', path: ['addLabelsToLabelable'], message: 'Resource not accessible by integration' }] };
  }
  const { repo, issue } = found;
  const names = (Array.isArray(labelIds) ? labelIds : []).map((id) => labelByNodeId(repo, id));
  if (names.some((n) => n === undefined)) {
    return { data: { addLabelsToLabelable: null }, errors: [{ type: 'NOT_FOUND', path: ['addLabelsToLabelable'], message: 'Could not resolve to a Label.' }] };
  }
  ctx.store.addLabels(repo, issue, names as string[], actor, 'api');
  const data: ApplyDecisionResponse = { addLabelsToLabelable: { clientMutationId: null } };
  if (comment === true) {
    if (typeof body !== 'string' || body === '') {
      return { data: { ...data, addComment: null }, errors: [{ type: 'UNPROCESSABLE', path: ['addComment'], message: 'Body cannot be blank' }] };
    }
    const created = ctx.store.createComment(repo, issue, body, actor, 'api');
    data.addComment = {
      commentEdge: { node: { fullDatabaseId: String(created.id) } },
      subject: issue.pull ? {} : { comments: { nodes: issue.comments.slice(-100).map(gqlComment) } },
    };
  }
  return { data };
}

export function builtinOperations(): Map<string, GraphqlResolver> {
  return new Map([
    [ISSUE_STATE_OPERATION, issueState],
    [ISSUE_EDITOR_OPERATION, issueEditor],
    [ADD_COMMENT_OPERATION, addComment],
    [APPLY_DECISION_OPERATION, applyDecision],
  ]);
}

/**
 * The issue a GraphQL request concerns, for the per-issue counters: `owner/repo#n` from the query variables or the
 * subject's node id. Known before faults fire, so failed and faulted calls count against their issue as REST ones do.
 */
export function graphqlIssueKey(store: GitHubStore, variables: unknown): string | undefined {
  if (!variables || typeof variables !== 'object') return undefined;
  const { owner, repo, number, subjectId, issueId } = variables as Record<string, unknown>;
  if (typeof owner === 'string' && typeof repo === 'string' && typeof number === 'number') return `${owner}/${repo}#${number}`;
  const found = findByNodeId(store, subjectId ?? issueId);
  return found ? `${fullName(found.repo)}#${found.issue.number}` : undefined;
}

/** A mutation changes GitHub like a REST POST does; queries only read, although they arrive as POSTs too. */
export function isMutation(body: Record<string, unknown>): boolean {
  return typeof body.query === 'string' && /^\s*(?:#[^\n]*\n\s*)*mutation\b/.test(body.query);
}

export function operationName(body: Record<string, unknown>): string | undefined {
  if (typeof body.operationName === 'string' && body.operationName) return body.operationName;
  if (typeof body.query !== 'string') return undefined;
  return /\b(?:query|mutation)\s+([A-Za-z_]\w*)/.exec(body.query)?.[1];
}
