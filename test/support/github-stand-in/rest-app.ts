import { HttpError, notFound, paginate, type Ctx } from './router';
import { accountJson, nodeId, repoJson } from './serialize';
import type { RouteSpec } from './rest-helpers';

/** REST routes for the app itself: its JWT endpoints, installations, installation tokens and their repositories. */

const INSTALLATION_PERMISSIONS = { issues: 'write', pull_requests: 'write', contents: 'write', metadata: 'read' };

function installationJson(ctx: Ctx, installationId: number) {
  const inst = ctx.store.identity.installations.get(installationId);
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

export const appHandlers: RouteSpec[] = [
  // ---- app auth ----
  [
    'GET',
    '/app',
    'app',
    (ctx) => ({
      status: 200,
      body: {
        id: ctx.store.app.id,
        slug: ctx.store.app.slug,
        node_id: nodeId('App', ctx.store.app.id),
        name: ctx.store.app.name,
        owner: accountJson(ctx.api, ctx.store.identity.account('label-bot-owner', 'Organization')),
        description: 'GitHub stand-in app',
        external_url: ctx.api,
        html_url: `${ctx.api}/_ui`,
        permissions: INSTALLATION_PERMISSIONS,
        events: ['issues', 'issue_comment', 'pull_request'],
        created_at: new Date(0).toISOString(),
        updated_at: new Date(0).toISOString(),
      },
    }),
  ],
  [
    'GET',
    '/app/installations',
    'app',
    (ctx) =>
      paginate(
        ctx,
        [...ctx.store.identity.installations.values()]
          .filter((i) => !i.removed)
          .map((i) => installationJson(ctx, i.id)),
      ),
  ],
  [
    'GET',
    '/app/installations/{installation_id}',
    'app',
    (ctx) => ({
      status: 200,
      body: installationJson(ctx, Number(ctx.params.installation_id)),
    }),
  ],
  [
    'POST',
    '/app/installations/{installation_id}/access_tokens',
    'app',
    (ctx) => {
      const inst = ctx.store.identity.installations.get(Number(ctx.params.installation_id));
      if (!inst || inst.removed) throw notFound();
      if (inst.suspended) throw new HttpError(403, 'This installation has been suspended');
      const token = ctx.store.identity.issueToken(inst.id);
      return {
        status: 201,
        body: {
          token: token.token,
          expires_at: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: INSTALLATION_PERMISSIONS,
          repository_selection: 'all',
        },
      };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/installation',
    'app',
    (ctx) => {
      const repo = ctx.store.getRepo(ctx.params.owner!, ctx.params.repo!);
      const inst = repo && ctx.store.identity.installationForOwner(repo.owner.login);
      if (!inst) throw notFound();
      return { status: 200, body: installationJson(ctx, inst.id) };
    },
  ],
  [
    'GET',
    '/orgs/{org}/installation',
    'app',
    (ctx) => {
      const inst = ctx.store.identity.installationForOwner(ctx.params.org!);
      if (!inst) throw notFound();
      return { status: 200, body: installationJson(ctx, inst.id) };
    },
  ],
  [
    'GET',
    '/users/{username}/installation',
    'app',
    (ctx) => {
      const inst = ctx.store.identity.installationForOwner(ctx.params.username!);
      if (!inst) throw notFound();
      return { status: 200, body: installationJson(ctx, inst.id) };
    },
  ],
  [
    'GET',
    '/installation/repositories',
    'read',
    (ctx) => {
      const p = ctx.principal;
      const repos = ctx.store
        .allRepos()
        .filter((r) => p.kind !== 'installation' || r.owner.id === p.installation.account.id);
      const page = paginate(
        ctx,
        repos.map((r) => repoJson(ctx.api, r)),
      );
      return { ...page, body: { total_count: repos.length, repositories: page.body } };
    },
  ],
  ['GET', '/rate_limit', 'read', () => ({ status: 200, body: { resources: {}, rate: {} } })],
];
