import type { GqlActor } from '../../../src/github/issue-state-query';
import { fullName, type Account, type Comment, type Issue, type IssueEvent, type Label, type Repo } from './model';
import { actorOf, canSee, type Ctx } from './router';
import { nodeId } from './serialize';
import type { GitHubStore } from './store';

/**
 * The slice of GitHub's GraphQL schema the stand-in models, as plain objects: each type answers its fields from the
 * store, and graphql-exec.ts walks a query's selections over them. A field missing here is an `undefinedField` error
 * naming it; add it to its type below.
 */

export interface GqlObject {
  typename: string;
  /** Interfaces and unions the type belongs to, for `... on Actor` style fragments. */
  implements: string[];
  /** Returns a scalar, a GqlObject, an array of them or null; throws `FieldError` for a GraphQL error at this field. */
  fields: Record<string, (args: Record<string, unknown>) => unknown>;
}

export class FieldError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** GitHub's GraphQL names a bot by its slug, without the `[bot]` suffix the REST API shows. */
export function gqlActor(account: Account): GqlActor {
  return {
    login: account.type === 'Bot' ? account.login.replace(/\[bot\]$/, '') : account.login,
    __typename: account.type,
  };
}

function actor(account: Account | undefined): GqlObject | null {
  if (!account) return null;
  const { login, __typename } = gqlActor(account);
  return {
    typename: __typename,
    implements: ['Actor', 'Node'],
    fields: { login: () => login, id: () => nodeId(__typename, account.id) },
  };
}

/** `first`/`last` as GitHub applies them (at most 100), with the connection fields our queries use. */
function connection(items: GqlObject[], args: Record<string, unknown>): GqlObject {
  const first = typeof args.first === 'number' ? Math.min(args.first, 100) : undefined;
  const last = typeof args.last === 'number' ? Math.min(args.last, 100) : undefined;
  let page = items;
  if (first !== undefined) page = page.slice(0, first);
  if (last !== undefined) page = page.slice(Math.max(page.length - last, 0));
  return {
    typename: 'Connection',
    implements: [],
    fields: {
      nodes: () => page,
      edges: () => page.map((node) => ({ typename: 'Edge', implements: [], fields: { node: () => node } })),
      totalCount: () => items.length,
      pageInfo: () => ({
        typename: 'PageInfo',
        implements: [],
        fields: {
          hasNextPage: () => first !== undefined && items.length > page.length,
          hasPreviousPage: () => last !== undefined && items.length > page.length,
        },
      }),
    },
  };
}

function labelObject(label: Label): GqlObject {
  return {
    typename: 'Label',
    implements: ['Node'],
    fields: {
      id: () => nodeId('Label', label.id),
      name: () => label.name,
      color: () => label.color,
      description: () => label.description,
    },
  };
}

function commentObject(repo: Repo, comment: Comment): GqlObject {
  return {
    typename: 'IssueComment',
    implements: ['Node', 'Comment', 'IssueTimelineItems'],
    fields: {
      id: () => nodeId('IssueComment', comment.id),
      databaseId: () => comment.id,
      // A BigInt, which GitHub sends as a JSON string.
      fullDatabaseId: () => String(comment.id),
      body: () => comment.body,
      author: () => actor(comment.user),
      createdAt: () => comment.createdAt,
      updatedAt: () => comment.updatedAt,
      url: () => `/_ui/${fullName(repo)}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    },
  };
}

const EVENT_TYPES: Record<IssueEvent['event'], [typename: string, itemType: string]> = {
  labeled: ['LabeledEvent', 'LABELED_EVENT'],
  unlabeled: ['UnlabeledEvent', 'UNLABELED_EVENT'],
  closed: ['ClosedEvent', 'CLOSED_EVENT'],
  reopened: ['ReopenedEvent', 'REOPENED_EVENT'],
  renamed: ['RenamedTitleEvent', 'RENAMED_TITLE_EVENT'],
  commented: ['IssueComment', 'ISSUE_COMMENT'],
};

function timelineItem(repo: Repo, issue: Issue, event: IssueEvent): GqlObject | undefined {
  if (event.event === 'commented') {
    const comment = issue.comments.find((c) => c.id === event.commentId);
    return comment && commentObject(repo, comment);
  }
  return {
    typename: EVENT_TYPES[event.event][0],
    implements: ['Node', 'IssueTimelineItems'],
    fields: {
      id: () => nodeId(EVENT_TYPES[event.event][0], event.id),
      createdAt: () => event.createdAt,
      actor: () => actor(event.actor),
      label: () =>
        event.label
          ? labelObject({ id: 0, name: event.label.name, color: event.label.color, description: null })
          : null,
      currentTitle: () => event.rename?.to ?? null,
      previousTitle: () => event.rename?.from ?? null,
    },
  };
}

export function issueObject(store: GitHubStore, repo: Repo, issue: Issue): GqlObject {
  const typename = issue.pull ? 'PullRequest' : 'Issue';
  return {
    typename,
    implements: ['Node', 'Labelable', 'Comment', 'Closable', 'Lockable', 'IssueOrPullRequest'],
    fields: {
      id: () => nodeId(typename, issue.id),
      databaseId: () => issue.id,
      fullDatabaseId: () => String(issue.id),
      number: () => issue.number,
      title: () => issue.title,
      body: () => issue.body ?? '',
      state: () => (issue.pull?.merged ? 'MERGED' : issue.state === 'open' ? 'OPEN' : 'CLOSED'),
      closed: () => issue.state === 'closed',
      locked: () => issue.locked,
      createdAt: () => issue.createdAt,
      updatedAt: () => issue.updatedAt,
      author: () => actor(issue.user),
      editor: () => actor(issue.lastEditedBy),
      repository: () => repositoryObject(store, repo),
      labels: (args) =>
        connection(
          issue.labels.map((key) => labelObject(repo.labels.get(key)!)),
          args,
        ),
      comments: (args) =>
        connection(
          issue.comments.map((c) => commentObject(repo, c)),
          args,
        ),
      timelineItems: (args) => {
        const wanted = Array.isArray(args.itemTypes) ? new Set(args.itemTypes as string[]) : undefined;
        const items = issue.events
          .filter((e) => !wanted || wanted.has(EVENT_TYPES[e.event][1]))
          .map((e) => timelineItem(repo, issue, e))
          .filter((x): x is GqlObject => x !== undefined);
        return connection(items, args);
      },
    },
  };
}

/** `HEAD:path` / `main:path` → the file on the default branch (the stand-in keeps one branch). */
function blob(repo: Repo, expression: unknown): GqlObject | null {
  if (typeof expression !== 'string') return null;
  const path = expression.includes(':') ? expression.slice(expression.indexOf(':') + 1) : expression;
  const text = repo.files.get(path);
  if (text === undefined) return null;
  return {
    typename: 'Blob',
    implements: ['Node', 'GitObject'],
    fields: { text: () => text, byteSize: () => Buffer.byteLength(text), isBinary: () => false },
  };
}

function issueAt(repo: Repo, number: unknown, kind: 'Issue' | 'PullRequest' | 'either'): Issue {
  const issue = typeof number === 'number' ? repo.issues.get(number) : undefined;
  if (!issue || (kind === 'Issue' && issue.pull) || (kind === 'PullRequest' && !issue.pull)) {
    const what = kind === 'either' ? 'issue or pull request' : kind === 'Issue' ? 'Issue' : 'PullRequest';
    throw new FieldError('NOT_FOUND', `Could not resolve to an ${what} with the number of ${String(number)}.`);
  }
  return issue;
}

function repositoryObject(store: GitHubStore, repo: Repo): GqlObject {
  return {
    typename: 'Repository',
    implements: ['Node'],
    fields: {
      id: () => nodeId('Repository', repo.id),
      databaseId: () => repo.id,
      name: () => repo.name,
      nameWithOwner: () => fullName(repo),
      isPrivate: () => repo.private,
      isFork: () => repo.fork,
      owner: () => actor(repo.owner),
      object: (args) => blob(repo, args.expression),
      issue: (args) => issueObject(store, repo, issueAt(repo, args.number, 'Issue')),
      pullRequest: (args) => issueObject(store, repo, issueAt(repo, args.number, 'PullRequest')),
      issueOrPullRequest: (args) => issueObject(store, repo, issueAt(repo, args.number, 'either')),
      label: (args) => {
        const label = typeof args.name === 'string' ? repo.labels.get(args.name.toLowerCase()) : undefined;
        return label ? labelObject(label) : null;
      },
      labels: (args) => connection([...repo.labels.values()].map(labelObject), args),
    },
  };
}

/** The issue, pull request or comment behind a node id (`nodeId('Issue', id)` …), visibility aside. */
export function findByNodeId(
  store: GitHubStore,
  id: unknown,
): { repo: Repo; issue: Issue; comment?: Comment } | undefined {
  if (typeof id !== 'string') return undefined;
  const m = /^0:(Issue|PullRequest|IssueComment)(\d+)$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (!m) return undefined;
  const wanted = Number(m[2]);
  for (const repo of store.allRepos()) {
    for (const issue of repo.issues.values()) {
      if (m[1] === 'IssueComment') {
        const comment = issue.comments.find((c) => c.id === wanted);
        if (comment) return { repo, issue, comment };
      } else if (issue.id === wanted && (issue.pull !== null) === (m[1] === 'PullRequest')) return { repo, issue };
    }
  }
  return undefined;
}

function visibleNode(ctx: Ctx, id: unknown) {
  const found = findByNodeId(ctx.store, id);
  if (!found || !canSee(ctx, found.repo))
    throw new FieldError('NOT_FOUND', `Could not resolve to a node with the global id of '${String(id)}'.`);
  return found;
}

function writer(ctx: Ctx): Account {
  try {
    return actorOf(ctx);
  } catch {
    throw new FieldError('FORBIDDEN', 'Resource not accessible by integration');
  }
}

function input(args: Record<string, unknown>): Record<string, unknown> {
  return args.input && typeof args.input === 'object' ? (args.input as Record<string, unknown>) : {};
}

function labelNamesFromIds(repo: Repo, ids: unknown): string[] {
  const byNodeId = new Map([...repo.labels.values()].map((l) => [nodeId('Label', l.id), l.name]));
  return (Array.isArray(ids) ? ids : []).map((id) => {
    const name = byNodeId.get(String(id));
    if (!name) throw new FieldError('NOT_FOUND', `Could not resolve to a node with the global id of '${String(id)}'.`);
    return name;
  });
}

export function queryRoot(ctx: Ctx): GqlObject {
  return {
    typename: 'Query',
    implements: [],
    fields: {
      repository: (args) => {
        const repo =
          typeof args.owner === 'string' && typeof args.name === 'string'
            ? ctx.store.getRepo(args.owner, args.name)
            : undefined;
        if (!repo || !canSee(ctx, repo)) {
          throw new FieldError(
            'NOT_FOUND',
            `Could not resolve to a Repository with the name '${String(args.owner)}/${String(args.name)}'.`,
          );
        }
        return repositoryObject(ctx.store, repo);
      },
      node: (args) => {
        const found = visibleNode(ctx, args.id);
        return found.comment
          ? commentObject(found.repo, found.comment)
          : issueObject(ctx.store, found.repo, found.issue);
      },
    },
  };
}

/**
 * Mutations write through the store (so events and webhooks follow, as for the REST calls), then resolve their payload
 * from the state after the write, like GitHub.
 */
export function mutationRoot(ctx: Ctx): GqlObject {
  const payload = (fields: GqlObject['fields']): GqlObject => ({
    typename: 'Payload',
    implements: [],
    fields: { clientMutationId: () => null, ...fields },
  });
  return {
    typename: 'Mutation',
    implements: [],
    fields: {
      addComment: (args) => {
        const { subjectId, body } = input(args);
        const { repo, issue } = visibleNode(ctx, subjectId);
        if (typeof body !== 'string' || body === '') throw new FieldError('UNPROCESSABLE', 'Body cannot be blank');
        const comment = ctx.store.createComment(repo, issue, body, writer(ctx), 'api');
        const node = commentObject(repo, comment);
        return payload({
          commentEdge: () => ({ typename: 'IssueCommentEdge', implements: [], fields: { node: () => node } }),
          subject: () => issueObject(ctx.store, repo, issue),
        });
      },
      updateIssueComment: (args) => {
        const { id, body } = input(args);
        const { repo, issue, comment } = visibleNode(ctx, id);
        if (!comment)
          throw new FieldError(
            'NOT_FOUND',
            `Could not resolve to an IssueComment with the global id of '${String(id)}'.`,
          );
        if (typeof body !== 'string' || body === '') throw new FieldError('UNPROCESSABLE', 'Body cannot be blank');
        ctx.store.updateComment(repo, issue, comment, body, writer(ctx), 'api');
        return payload({ issueComment: () => commentObject(repo, comment) });
      },
      addLabelsToLabelable: (args) => {
        const { labelableId, labelIds } = input(args);
        const { repo, issue } = visibleNode(ctx, labelableId);
        ctx.store.addLabels(repo, issue, labelNamesFromIds(repo, labelIds), writer(ctx), 'api');
        return payload({ labelable: () => issueObject(ctx.store, repo, issue) });
      },
      removeLabelsFromLabelable: (args) => {
        const { labelableId, labelIds } = input(args);
        const { repo, issue } = visibleNode(ctx, labelableId);
        const who = writer(ctx);
        for (const name of labelNamesFromIds(repo, labelIds)) ctx.store.removeLabel(repo, issue, name, who, 'api');
        return payload({ labelable: () => issueObject(ctx.store, repo, issue) });
      },
    },
  };
}
