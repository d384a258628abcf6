import { fakeSha, fullName, type Issue, type Permission, type Repo } from './model';
import { actorOf, HttpError, issueFor, notFound, paginate, repoFor, validationFailed, type Ctx } from './router';
import {
  accountJson,
  commentJson,
  eventJson,
  issueJson,
  issueLabels,
  labelJson,
  reactionJson,
  repoJson,
} from './serialize';
import { labelNames, obj, sortIssues, str, type RouteSpec } from './rest-helpers';

/** REST routes for repositories, their contents and labels, issues, issue labels, comments, reactions and events. */

export const issueHandlers: RouteSpec[] = [
  // ---- repos & contents ----
  ['GET', '/repos/{owner}/{repo}', 'read', (ctx) => ({ status: 200, body: repoJson(ctx.api, repoFor(ctx)) })],
  [
    'GET',
    '/repos/{owner}/{repo}/contents/{path+}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const path = ctx.params.path!.replace(/^\/+/, '');
      const content = repo.files.get(path);
      if (content === undefined) throw notFound();
      const accept = String(ctx.headers.accept ?? '');
      if (/vnd\.github(\.v3)?\.raw/.test(accept))
        return { status: 200, raw: content, contentType: 'text/plain; charset=utf-8' };
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
          content:
            (
              Buffer.from(content)
                .toString('base64')
                .match(/.{1,60}/g) ?? ['']
            ).join('\n') + '\n',
          sha,
          url,
          git_url: `${ctx.api}/repos/${fullName(repo)}/git/blobs/${sha}`,
          html_url: `${ctx.api}/_ui/${fullName(repo)}/blob/${repo.defaultBranch}/${path}`,
          download_url: null,
          _links: { self: url },
        },
      };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/collaborators/{username}/permission',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const user = ctx.store.identity.findAccount(ctx.params.username!);
      if (!user) throw notFound();
      const permission = ctx.store.permissionOf(repo, user.login);
      // GitHub folds maintain→write and triage→read in `permission`; the fine-grained name is in `role_name`.
      const legacy: Record<Permission, string> = {
        admin: 'admin',
        maintain: 'write',
        write: 'write',
        triage: 'read',
        read: 'read',
        none: 'none',
      };
      return {
        status: 200,
        body: {
          permission: legacy[permission],
          role_name: permission,
          user: { ...accountJson(ctx.api, user), role_name: permission },
        },
      };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/collaborators/{username}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const perm = repo.collaborators.get(ctx.params.username!.toLowerCase());
      const isOwner = repo.owner.login.toLowerCase() === ctx.params.username!.toLowerCase();
      if (!isOwner && (!perm || perm === 'none')) throw notFound();
      return { status: 204 };
    },
  ],

  // ---- repo labels ----
  [
    'GET',
    '/repos/{owner}/{repo}/labels',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      return paginate(
        ctx,
        [...repo.labels.values()].map((l) => labelJson(ctx.api, repo, l)),
      );
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/labels/{name}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const label = repo.labels.get(ctx.params.name!.toLowerCase());
      if (!label) throw notFound();
      return { status: 200, body: labelJson(ctx.api, repo, label) };
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/labels',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const b = obj(ctx.body);
      const name = str(b.name);
      if (!name)
        throw validationFailed('Validation Failed', [{ resource: 'Label', code: 'missing_field', field: 'name' }]);
      if (repo.labels.has(name.toLowerCase())) {
        throw validationFailed('Validation Failed', [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
      }
      const label = ctx.store.ensureLabel(repo, name, str(b.color)?.replace(/^#/, ''), str(b.description) ?? null);
      return { status: 201, body: labelJson(ctx.api, repo, label) };
    },
  ],

  // ---- issues ----
  [
    'GET',
    '/repos/{owner}/{repo}/issues',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const state = ctx.query.get('state') ?? 'open';
      const since = ctx.query.get('since');
      const labels = (ctx.query.get('labels') ?? '')
        .split(',')
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean);
      const creator = ctx.query.get('creator')?.toLowerCase();
      const issues = [...repo.issues.values()].filter(
        (i) =>
          (state === 'all' || i.state === state) &&
          (!since || i.updatedAt >= new Date(since).toISOString()) &&
          labels.every((l) => i.labels.includes(l)) &&
          (!creator || i.user.login.toLowerCase() === creator),
      );
      return paginate(
        ctx,
        sortIssues(ctx, issues).map((i) => issueJson(ctx.api, ctx.store, repo, i)),
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/issues',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const b = obj(ctx.body);
      const title = str(b.title);
      if (!title)
        throw validationFailed('Validation Failed', [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
      const issue = ctx.store.createIssue(
        repo,
        { title, body: str(b.body) ?? null, user: actorOf(ctx), labels: labelNames(b) },
        'api',
      );
      ctx.issueKey = `${fullName(repo)}#${issue.number}`;
      return { status: 201, body: issueJson(ctx.api, ctx.store, repo, issue) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      return { status: 200, body: issueJson(ctx.api, ctx.store, repo, issueFor(ctx, repo)) };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/issues/{issue_number}',
    'write',
    (ctx) => {
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
    },
  ],

  // ---- issue labels ----
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      return paginate(ctx, issueLabels(ctx.api, repo, issueFor(ctx, repo)));
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      const names = labelNames(ctx.body);
      if (!names.length) throw validationFailed('Invalid request.\n\nNo labels given.');
      ctx.store.addLabels(repo, issue, names, actorOf(ctx), 'api');
      return { status: 200, body: issueLabels(ctx.api, repo, issue) };
    },
  ],
  [
    'PUT',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      ctx.store.setLabels(repo, issue, labelNames(ctx.body), actorOf(ctx), 'api');
      return { status: 200, body: issueLabels(ctx.api, repo, issue) };
    },
  ],
  [
    'DELETE',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      ctx.store.setLabels(repo, issue, [], actorOf(ctx), 'api');
      return { status: 204 };
    },
  ],
  [
    'DELETE',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      if (!ctx.store.removeLabel(repo, issue, ctx.params.name!, actorOf(ctx), 'api')) {
        throw new HttpError(404, 'Label does not exist');
      }
      return { status: 200, body: issueLabels(ctx.api, repo, issue) };
    },
  ],

  // ---- comments & reactions ----
  [
    'GET',
    '/repos/{owner}/{repo}/issues/comments',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const since = ctx.query.get('since');
      const all = [...repo.issues.values()]
        .flatMap((i) => i.comments)
        .filter((c) => !since || c.updatedAt >= new Date(since).toISOString());
      all.sort((a, b) => a.id - b.id);
      return paginate(
        ctx,
        all.map((c) => commentJson(ctx.api, ctx.store, repo, c)),
      );
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const since = ctx.query.get('since');
      const comments = issueFor(ctx, repo).comments.filter(
        (c) => !since || c.updatedAt >= new Date(since).toISOString(),
      );
      return paginate(
        ctx,
        comments.map((c) => commentJson(ctx.api, ctx.store, repo, c)),
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      const body = str(obj(ctx.body).body);
      if (body === undefined)
        throw validationFailed('Validation Failed', [
          { resource: 'IssueComment', code: 'missing_field', field: 'body' },
        ]);
      const comment = ctx.store.createComment(repo, issue, body, actorOf(ctx), 'api');
      return { status: 201, body: commentJson(ctx.api, ctx.store, repo, comment) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const found = commentFor(ctx, repo);
      return { status: 200, body: commentJson(ctx.api, ctx.store, repo, found.comment) };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const found = commentFor(ctx, repo);
      const body = str(obj(ctx.body).body);
      if (body === undefined)
        throw validationFailed('Validation Failed', [
          { resource: 'IssueComment', code: 'missing_field', field: 'body' },
        ]);
      ctx.store.updateComment(repo, found.issue, found.comment, body, actorOf(ctx), 'api');
      return { status: 200, body: commentJson(ctx.api, ctx.store, repo, found.comment) };
    },
  ],
  [
    'DELETE',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const found = commentFor(ctx, repo);
      ctx.store.deleteComment(repo, found.issue, found.comment, actorOf(ctx), 'api');
      return { status: 204 };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const content = ctx.query.get('content');
      const reactions = commentFor(ctx, repo).comment.reactions.filter((r) => !content || r.content === content);
      return paginate(
        ctx,
        reactions.map((r) => reactionJson(ctx.api, r)),
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const content = str(obj(ctx.body).content);
      if (!content || !['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)) {
        throw validationFailed('Validation Failed', [{ resource: 'Reaction', code: 'invalid', field: 'content' }]);
      }
      const { reaction, created } = ctx.store.addReaction(commentFor(ctx, repo).comment, content, actorOf(ctx));
      return { status: created ? 201 : 200, body: reactionJson(ctx.api, reaction) };
    },
  ],

  // ---- events & timeline ----
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}/events',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const events = issueFor(ctx, repo).events.filter((e) => e.event !== 'commented');
      return paginate(
        ctx,
        events.map((e) => eventJson(ctx.api, repo, e)),
      );
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}/timeline',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      const items = issue.events.map((e) => {
        if (e.event !== 'commented') return eventJson(ctx.api, repo, e);
        const comment = issue.comments.find((c) => c.id === e.commentId);
        return {
          ...commentJson(ctx.api, ctx.store, repo, comment!),
          event: 'commented',
          actor: accountJson(ctx.api, e.actor),
        };
      });
      return paginate(ctx, items);
    },
  ],
];

function commentFor(ctx: Ctx, repo: Repo) {
  const found = ctx.store.findComment(repo, Number(ctx.params.comment_id));
  if (!found) throw notFound();
  ctx.issueKey = `${fullName(repo)}#${found.issue.number}`;
  return found;
}
