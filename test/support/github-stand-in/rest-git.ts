import { fullName, type Repo } from './model';
import { actorOf, issueFor, notFound, paginate, repoFor, validationFailed, type Ctx } from './router';
import { nodeId, pullJson } from './serialize';
import { obj, sortIssues, str, type RouteSpec } from './rest-helpers';

/** REST routes for pull requests and the git side of ciflow: refs (tags), commit statuses, repository_dispatch. */

/** Any well-formed sha is a commit, except a fork PR's head the base repo has not fetched yet (`headInBase: false`). */
function reachable(repo: Repo, sha: string): boolean {
  if (!/^[0-9a-f]{40}$/.test(sha)) return false;
  return ![...repo.issues.values()].some((i) => i.pull?.headSha === sha && i.pull.headInBase === false);
}

function refJson(ctx: Ctx, repo: Repo, ref: string, sha: string) {
  return {
    ref,
    node_id: nodeId('Ref', ref.length),
    url: `${ctx.api}/repos/${fullName(repo)}/git/${ref}`,
    object: { type: 'commit', sha, url: `${ctx.api}/repos/${fullName(repo)}/git/commits/${sha}` },
  };
}

export const pullAndGitHandlers: RouteSpec[] = [
  // ---- pulls ----
  [
    'GET',
    '/repos/{owner}/{repo}/pulls',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const state = ctx.query.get('state') ?? 'open';
      const pulls = [...repo.issues.values()].filter((i) => i.pull && (state === 'all' || i.state === state));
      return paginate(
        ctx,
        sortIssues(ctx, pulls).map((i) => pullJson(ctx.api, ctx.store, repo, i)),
      );
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/pulls/{pull_number}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      if (!issue.pull) throw notFound();
      return { status: 200, body: pullJson(ctx.api, ctx.store, repo, issue) };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/pulls/{pull_number}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      const issue = issueFor(ctx, repo);
      if (!issue.pull) throw notFound();
      const b = obj(ctx.body);
      const state = str(b.state);
      ctx.store.editIssue(
        repo,
        issue,
        {
          title: str(b.title),
          body: b.body === null ? null : str(b.body),
          state: state as 'open' | 'closed' | undefined,
        },
        actorOf(ctx),
        'api',
      );
      if (str(b.base)) issue.pull.baseRef = str(b.base)!;
      return { status: 200, body: pullJson(ctx.api, ctx.store, repo, issue) };
    },
  ],

  // ---- commit statuses & repository_dispatch (ciflow) ----
  [
    'GET',
    '/repos/{owner}/{repo}/commits/{ref}/statuses',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const sha = repo.refs.get(`refs/heads/${ctx.params.ref}`) ?? ctx.params.ref!;
      const list = repo.statuses.get(sha) ?? [];
      return paginate(
        ctx,
        list.map((st) => ({
          id: st.id,
          node_id: nodeId('StatusContext', st.id),
          url: `${ctx.api}/repos/${fullName(repo)}/statuses/${sha}`,
          state: st.state,
          description: st.description,
          target_url: st.targetUrl,
          context: st.context,
          created_at: st.createdAt,
          updated_at: st.createdAt,
        })),
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/statuses/{sha}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const b = obj(ctx.body);
      const sha = ctx.params.sha!;
      const state = str(b.state);
      if (!state || !['error', 'failure', 'pending', 'success'].includes(state)) {
        throw validationFailed('Validation Failed', [{ resource: 'Status', code: 'invalid', field: 'state' }]);
      }
      if (!reachable(repo, sha)) throw validationFailed(`No commit found for SHA: ${sha}`);
      const status = {
        id: ctx.store.id(),
        context: str(b.context) ?? 'default',
        state,
        description: str(b.description) ?? null,
        targetUrl: str(b.target_url) ?? null,
        createdAt: ctx.store.now(),
      };
      repo.statuses.set(sha, [status, ...(repo.statuses.get(sha) ?? [])]);
      return {
        status: 201,
        body: {
          id: status.id,
          state,
          context: status.context,
          description: status.description,
          target_url: status.targetUrl,
          created_at: status.createdAt,
        },
      };
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/dispatches',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const b = obj(ctx.body);
      const eventType = str(b.event_type);
      if (!eventType) throw validationFailed('Invalid request.\n\n"event_type" wasn\'t supplied.');
      repo.dispatches.push({ eventType, clientPayload: obj(b.client_payload) });
      return { status: 204 };
    },
  ],

  // ---- git refs (ciflow tags) ----
  [
    'GET',
    '/repos/{owner}/{repo}/git/ref/{ref+}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const ref = `refs/${ctx.params.ref!.replace(/^refs\//, '')}`;
      const sha = repo.refs.get(ref);
      if (!sha) throw notFound();
      return { status: 200, body: refJson(ctx, repo, ref, sha) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/git/matching-refs/{ref+}',
    'read',
    (ctx) => {
      const repo = repoFor(ctx);
      const prefix = `refs/${ctx.params.ref!.replace(/^refs\//, '')}`;
      const refs = [...repo.refs].filter(([r]) => r.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
      return paginate(
        ctx,
        refs.map(([r, sha]) => refJson(ctx, repo, r, sha)),
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/git/refs',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const b = obj(ctx.body);
      const ref = str(b.ref);
      const sha = str(b.sha);
      if (!ref || !sha) throw validationFailed('Invalid request.\n\n"ref" and "sha" are required.');
      if (!/^refs\/[^/]+\/.+/.test(ref)) throw validationFailed('Reference name is invalid');
      if (!reachable(repo, sha)) throw validationFailed('Object does not exist');
      if (repo.refs.has(ref)) throw validationFailed('Reference already exists');
      repo.refs.set(ref, sha);
      return {
        status: 201,
        body: refJson(ctx, repo, ref, sha),
        headers: { location: `${ctx.api}/repos/${fullName(repo)}/git/${ref}` },
      };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/git/refs/{ref+}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const ref = `refs/${ctx.params.ref!.replace(/^refs\//, '')}`;
      const sha = str(obj(ctx.body).sha);
      if (!repo.refs.has(ref)) throw validationFailed('Reference does not exist');
      if (!sha || !reachable(repo, sha)) throw validationFailed('Object does not exist');
      repo.refs.set(ref, sha);
      return { status: 200, body: refJson(ctx, repo, ref, sha) };
    },
  ],
  [
    'DELETE',
    '/repos/{owner}/{repo}/git/refs/{ref+}',
    'write',
    (ctx) => {
      const repo = repoFor(ctx);
      actorOf(ctx);
      const ref = `refs/${ctx.params.ref!.replace(/^refs\//, '')}`;
      if (!repo.refs.delete(ref)) throw validationFailed('Reference does not exist');
      return { status: 204 };
    },
  ],
];
