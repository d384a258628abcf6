import type { Issue, Permission, Repo } from './model';
import { fullName } from './model';
import {
  actorOf,
  compileRoute,
  HttpError,
  issueFor,
  notFound,
  paginate,
  repoFor,
  validationFailed,
  type Ctx,
  type Handler,
  type Route,
} from './router';
import {
  accountJson,
  commentJson,
  eventJson,
  issueJson,
  issueLabels,
  labelJson,
  nodeId,
  reactionJson,
  repoJson,
} from './serialize';
import { fakeSha } from './store';
import { pullAndGitHandlers } from './rest-git';

/**
 * The REST subset our code calls. To add an endpoint: add one `route(...)` line here with Octokit's
 * path template, reuse `repoFor`/`issueFor` for GitHub's 404 rules and `paginate` for lists,
 * mutate through `ctx.store` (so events and webhooks follow), and add a test in test/stand-in/.
 */

const INSTALLATION_PERMISSIONS = { issues: 'write', pull_requests: 'write', contents: 'write', metadata: 'read' };

export function obj(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  return {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `labels` may be `["a"]`, `{labels:["a"]}` or `{labels:[{name:"a"}]}`, as GitHub accepts all three. */
function labelNames(body: unknown): string[] {
  const raw = Array.isArray(body) ? body : obj(body).labels;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw validationFailed('Invalid request.\n\nFor \'properties/labels\', is not an array.');
  return raw.map((l) => {
    if (typeof l === 'string') return l;
    const name = obj(l).name;
    if (typeof name === 'string') return name;
    throw validationFailed('Invalid request.\n\nlabels must be strings.');
  });
}

function installationJson(ctx: Ctx, installationId: number) {
  const inst = ctx.store.installations.get(installationId);
  if (!inst || inst.removed) throw notFound();
  return {
    id: inst.id,
    account: accountJson(ctx.api, inst.account),
    app_id: ctx.store.app.id,
    app_slug: ctx.store.app.slug,
    target_id: inst.account.id,
    target_type: inst.account.type,
    repository_selection: 'all',
    permissions: INSTALLATION_PERMISSIONS,
    events: ['issues', 'issue_comment', 'pull_request'],
    access_tokens_url: `${ctx.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${ctx.api}/installation/repositories`,
    suspended_at: inst.suspended ? new Date().toISOString() : null,
    created_at: new Date(0).toISOString(),
    updated_at: new Date(0).toISOString(),
  };
}

export function sortIssues(ctx: Ctx, issues: Issue[]): Issue[] {
  const sort = ctx.query.get('sort') ?? 'created';
  const dir = ctx.query.get('direction') === 'asc' ? 1 : -1;
  const key = (i: Issue): string | number =>
    sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments.length : i.createdAt;
  return [...issues].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.number - b.number) * dir;
  });
}

export type RouteSpec = [method: string, template: string, auth: Route['auth'], handler: Handler];

const handlers: RouteSpec[] = [
  // ---- app auth ----
  ['GET', '/app', 'app', (ctx) => ({
    status: 200,
    body: {
      id: ctx.store.app.id,
      slug: ctx.store.app.slug,
      node_id: nodeId('App', ctx.store.app.id),
      name: ctx.store.app.name,
      owner: accountJson(ctx.api, ctx.store.account('label-bot-owner', 'Organization')),
      description: 'GitHub stand-in app',
      external_url: ctx.api,
      html_url: `${ctx.api}/_ui`,
      permissions: INSTALLATION_PERMISSIONS,
      events: ['issues', 'issue_comment', 'pull_request'],
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
    },
  })],
  ['GET', '/app/installations', 'app', (ctx) =>
    paginate(ctx, [...ctx.store.installations.values()].filter((i) => !i.removed).map((i) => installationJson(ctx, i.id)))],
  ['GET', '/app/installations/{installation_id}', 'app', (ctx) => ({
    status: 200,
    body: installationJson(ctx, Number(ctx.params.installation_id)),
  })],
  ['POST', '/app/installations/{installation_id}/access_tokens', 'app', (ctx) => {
    const inst = ctx.store.installations.get(Number(ctx.params.installation_id));
    if (!inst || inst.removed) throw notFound();
    if (inst.suspended) throw new HttpError(403, 'This installation has been suspended');
    const token = ctx.store.issueToken(inst.id);
    return {
      status: 201,
      body: {
        token: token.token,
        expires_at: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: INSTALLATION_PERMISSIONS,
        repository_selection: 'all',
      },
    };
  }],
  ['GET', '/repos/{owner}/{repo}/installation', 'app', (ctx) => {
    const repo = ctx.store.getRepo(ctx.params.owner!, ctx.params.repo!);
    const inst = repo && ctx.store.installationForOwner(repo.owner.login);
    if (!inst) throw notFound();
    return { status: 200, body: installationJson(ctx, inst.id) };
  }],
  ['GET', '/orgs/{org}/installation', 'app', (ctx) => {
    const inst = ctx.store.installationForOwner(ctx.params.org!);
    if (!inst) throw notFound();
    return { status: 200, body: installationJson(ctx, inst.id) };
  }],
  ['GET', '/users/{username}/installation', 'app', (ctx) => {
    const inst = ctx.store.installationForOwner(ctx.params.username!);
    if (!inst) throw notFound();
    return { status: 200, body: installationJson(ctx, inst.id) };
  }],
  ['GET', '/installation/repositories', 'read', (ctx) => {
    const p = ctx.principal;
    const repos = ctx.store.allRepos().filter((r) => p.kind !== 'installation' || r.owner.id === p.installation.account.id);
    const page = paginate(ctx, repos.map((r) => repoJson(ctx.api, r)));
    return { ...page, body: { total_count: repos.length, repositories: page.body } };
  }],
  ['GET', '/rate_limit', 'read', () => ({ status: 200, body: { resources: {}, rate: {} } })],

  // ---- repos & contents ----
  ['GET', '/repos/{owner}/{repo}', 'read', (ctx) => ({ status: 200, body: repoJson(ctx.api, repoFor(ctx)) })],
  ['GET', '/repos/{owner}/{repo}/contents/{path+}', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const path = ctx.params.path!.replace(/^\/+/, '');
    const content = repo.files.get(path);
    if (content === undefined) throw notFound();
    const accept = String(ctx.headers.accept ?? '');
    if (/vnd\.github(\.v3)?\.raw/.test(accept)) return { status: 200, raw: content, contentType: 'text/plain; charset=utf-8' };
    const sha = fakeSha(`blob:${content}`);
    const name = path.split('/').pop()!;
    const url = `${ctx.api}/repos/${fullName(repo)}/contents/${path}`;
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(content),
        name,
        path,
        // GitHub wraps base64 at 60 columns; decoders must cope with the newlines.
        content: (Buffer.from(content).toString('base64').match(/.{1,60}/g) ?? ['']).join('\n') + '\n',
        sha,
        url,
        git_url: `${ctx.api}/repos/${fullName(repo)}/git/blobs/${sha}`,
        html_url: `${ctx.api}/_ui/${fullName(repo)}/blob/${repo.defaultBranch}/${path}`,
        download_url: null,
        _links: { self: url },
      },
    };
  }],
  ['GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const user = ctx.store.findAccount(ctx.params.username!);
    if (!user) throw notFound();
    const permission = ctx.store.permissionOf(repo, user.login);
    // GitHub folds maintain→write and triage→read in `permission`; the fine-grained name is in `role_name`.
    const legacy: Record<Permission, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read', none: 'none' };
    return {
      status: 200,
      body: { permission: legacy[permission], role_name: permission, user: { ...accountJson(ctx.api, user), role_name: permission } },
    };
  }],
  ['GET', '/repos/{owner}/{repo}/collaborators/{username}', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const perm = repo.collaborators.get(ctx.params.username!.toLowerCase());
    const isOwner = repo.owner.login.toLowerCase() === ctx.params.username!.toLowerCase();
    if (!isOwner && (!perm || perm === 'none')) throw notFound();
    return { status: 204 };
  }],

  // ---- repo labels ----
  ['GET', '/repos/{owner}/{repo}/labels', 'read', (ctx) => {
    const repo = repoFor(ctx);
    return paginate(ctx, [...repo.labels.values()].map((l) => labelJson(ctx.api, repo, l)));
  }],
  ['GET', '/repos/{owner}/{repo}/labels/{name}', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const label = repo.labels.get(ctx.params.name!.toLowerCase());
    if (!label) throw notFound();
    return { status: 200, body: labelJson(ctx.api, repo, label) };
  }],
  ['POST', '/repos/{owner}/{repo}/labels', 'write', (ctx) => {
    const repo = repoFor(ctx);
    actorOf(ctx);
    const b = obj(ctx.body);
    const name = str(b.name);
    if (!name) throw validationFailed('Validation Failed', [{ resource: 'Label', code: 'missing_field', field: 'name' }]);
    if (repo.labels.has(name.toLowerCase())) {
      throw validationFailed('Validation Failed', [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    }
    const label = ctx.store.ensureLabel(repo, name, str(b.color)?.replace(/^#/, ''), str(b.description) ?? null);
    return { status: 201, body: labelJson(ctx.api, repo, label) };
  }],

  // ---- issues ----
  ['GET', '/repos/{owner}/{repo}/issues', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const state = ctx.query.get('state') ?? 'open';
    const since = ctx.query.get('since');
    const labels = (ctx.query.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
    const creator = ctx.query.get('creator')?.toLowerCase();
    const issues = [...repo.issues.values()].filter(
      (i) =>
        (state === 'all' || i.state === state) &&
        (!since || i.updatedAt >= new Date(since).toISOString()) &&
        labels.every((l) => i.labels.includes(l)) &&
        (!creator || i.user.login.toLowerCase() === creator),
    );
    return paginate(ctx, sortIssues(ctx, issues).map((i) => issueJson(ctx.api, ctx.store, repo, i)));
  }],
  ['POST', '/repos/{owner}/{repo}/issues', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const b = obj(ctx.body);
    const title = str(b.title);
    if (!title) throw validationFailed('Validation Failed', [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    const issue = ctx.store.createIssue(repo, { title, body: str(b.body) ?? null, user: actorOf(ctx), labels: labelNames(b) }, 'api');
    ctx.issueKey = `${fullName(repo)}#${issue.number}`;
    return { status: 201, body: issueJson(ctx.api, ctx.store, repo, issue) };
  }],
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}', 'read', (ctx) => {
    const repo = repoFor(ctx);
    return { status: 200, body: issueJson(ctx.api, ctx.store, repo, issueFor(ctx, repo)) };
  }],
  ['PATCH', '/repos/{owner}/{repo}/issues/{issue_number}', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    const actor = actorOf(ctx);
    const b = obj(ctx.body);
    const state = str(b.state);
    if (state !== undefined && state !== 'open' && state !== 'closed') {
      throw validationFailed('Validation Failed', [{ resource: 'Issue', code: 'invalid', field: 'state' }]);
    }
    ctx.store.editIssue(
      repo,
      issue,
      {
        title: str(b.title),
        body: b.body === null ? null : str(b.body),
        state: state as 'open' | 'closed' | undefined,
        stateReason: (str(b.state_reason) as Issue['stateReason']) ?? undefined,
      },
      actor,
      'api',
    );
    if (b.labels !== undefined) ctx.store.setLabels(repo, issue, labelNames(b), actor, 'api');
    return { status: 200, body: issueJson(ctx.api, ctx.store, repo, issue) };
  }],

  // ---- issue labels ----
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/labels', 'read', (ctx) => {
    const repo = repoFor(ctx);
    return paginate(ctx, issueLabels(ctx.api, repo, issueFor(ctx, repo)));
  }],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    const names = labelNames(ctx.body);
    if (!names.length) throw validationFailed('Invalid request.\n\nNo labels given.');
    ctx.store.addLabels(repo, issue, names, actorOf(ctx), 'api');
    return { status: 200, body: issueLabels(ctx.api, repo, issue) };
  }],
  ['PUT', '/repos/{owner}/{repo}/issues/{issue_number}/labels', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    ctx.store.setLabels(repo, issue, labelNames(ctx.body), actorOf(ctx), 'api');
    return { status: 200, body: issueLabels(ctx.api, repo, issue) };
  }],
  ['DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    ctx.store.setLabels(repo, issue, [], actorOf(ctx), 'api');
    return { status: 204 };
  }],
  ['DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    if (!ctx.store.removeLabel(repo, issue, ctx.params.name!, actorOf(ctx), 'api')) {
      throw new HttpError(404, 'Label does not exist');
    }
    return { status: 200, body: issueLabels(ctx.api, repo, issue) };
  }],

  // ---- comments & reactions ----
  ['GET', '/repos/{owner}/{repo}/issues/comments', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const since = ctx.query.get('since');
    const all = [...repo.issues.values()].flatMap((i) => i.comments).filter((c) => !since || c.updatedAt >= new Date(since).toISOString());
    all.sort((a, b) => a.id - b.id);
    return paginate(ctx, all.map((c) => commentJson(ctx.api, ctx.store, repo, c)));
  }],
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const since = ctx.query.get('since');
    const comments = issueFor(ctx, repo).comments.filter((c) => !since || c.updatedAt >= new Date(since).toISOString());
    return paginate(ctx, comments.map((c) => commentJson(ctx.api, ctx.store, repo, c)));
  }],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    const body = str(obj(ctx.body).body);
    if (body === undefined) throw validationFailed('Validation Failed', [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    const comment = ctx.store.createComment(repo, issue, body, actorOf(ctx), 'api');
    return { status: 201, body: commentJson(ctx.api, ctx.store, repo, comment) };
  }],
  ['GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const found = commentFor(ctx, repo);
    return { status: 200, body: commentJson(ctx.api, ctx.store, repo, found.comment) };
  }],
  ['PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const found = commentFor(ctx, repo);
    const body = str(obj(ctx.body).body);
    if (body === undefined) throw validationFailed('Validation Failed', [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    ctx.store.updateComment(repo, found.issue, found.comment, body, actorOf(ctx), 'api');
    return { status: 200, body: commentJson(ctx.api, ctx.store, repo, found.comment) };
  }],
  ['DELETE', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const found = commentFor(ctx, repo);
    ctx.store.deleteComment(repo, found.issue, found.comment, actorOf(ctx), 'api');
    return { status: 204 };
  }],
  ['GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const content = ctx.query.get('content');
    const reactions = commentFor(ctx, repo).comment.reactions.filter((r) => !content || r.content === content);
    return paginate(ctx, reactions.map((r) => reactionJson(ctx.api, r)));
  }],
  ['POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', 'write', (ctx) => {
    const repo = repoFor(ctx);
    const content = str(obj(ctx.body).content);
    if (!content || !['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)) {
      throw validationFailed('Validation Failed', [{ resource: 'Reaction', code: 'invalid', field: 'content' }]);
    }
    const { reaction, created } = ctx.store.addReaction(commentFor(ctx, repo).comment, content, actorOf(ctx));
    return { status: created ? 201 : 200, body: reactionJson(ctx.api, reaction) };
  }],

  // ---- events & timeline ----
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/events', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const events = issueFor(ctx, repo).events.filter((e) => e.event !== 'commented');
    return paginate(ctx, events.map((e) => eventJson(ctx.api, repo, e)));
  }],
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/timeline', 'read', (ctx) => {
    const repo = repoFor(ctx);
    const issue = issueFor(ctx, repo);
    const items = issue.events.map((e) => {
      if (e.event !== 'commented') return eventJson(ctx.api, repo, e);
      const comment = issue.comments.find((c) => c.id === e.commentId);
      return { ...commentJson(ctx.api, ctx.store, repo, comment!), event: 'commented', actor: accountJson(ctx.api, e.actor) };
    });
    return paginate(ctx, items);
  }],

];

function commentFor(ctx: Ctx, repo: Repo) {
  const found = ctx.store.findComment(repo, Number(ctx.params.comment_id));
  if (!found) throw notFound();
  ctx.issueKey = `${fullName(repo)}#${found.issue.number}`;
  return found;
}

export function restRoutes(): Route[] {
  return [...handlers, ...pullAndGitHandlers].map(([method, template, auth, handler]) => compileRoute(method, template, auth, handler));
}
