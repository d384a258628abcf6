import type { Permission } from './model';
import { compileRoute, HttpError, type Ctx, type Route } from './router';
import type { GitHubStandIn } from './server';
import type { FaultRule } from './faults';

/**
 * The control API over HTTP (`/_control/...`), for processes that cannot hold the TypeScript object
 * (the demo's child processes, curl). Each route is a thin wrapper over a `GitHubStandIn` method.
 * No auth: the stand-in only listens on loopback.
 */

function obj(ctx: Ctx): Record<string, unknown> {
  const b = ctx.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function repoName(ctx: Ctx): string {
  return `${ctx.params.owner}/${ctx.params.repo}`;
}

function opt<T>(v: unknown): T | undefined {
  return v === undefined || v === null ? undefined : (v as T);
}

export function controlRoutes(s: GitHubStandIn): Route[] {
  const r = (method: string, template: string, handler: (ctx: Ctx) => unknown): Route =>
    compileRoute(method, `/_control${template}`, 'none', async (ctx) => {
      const out = await handler(ctx);
      return out === undefined ? { status: 204 } : { status: 200, body: out };
    });
  return [
    r('GET', '/info', () => ({ url: s.url, appId: s.appId, botLogin: s.botLogin, webhookSecret: s.webhookSecret })),
    r('POST', '/reset', () => s.reset()),
    r('POST', '/repos', (ctx) => {
      const b = obj(ctx);
      if (typeof b.repo !== 'string') throw new HttpError(422, 'repo (owner/name) required');
      const repo = s.createRepo(b.repo, { private: opt(b.private), files: opt(b.files), ownerType: opt(b.ownerType) });
      return { id: repo.id, installationId: s.installationId(repo.owner.login) };
    }),
    r('PUT', '/repos/{owner}/{repo}/files/{path+}', (ctx) => {
      const content = obj(ctx).content;
      s.setFile(repoName(ctx), ctx.params.path!, typeof content === 'string' ? content : null);
    }),
    r('PUT', '/repos/{owner}/{repo}/collaborators/{username}', (ctx) => {
      s.setPermission(repoName(ctx), ctx.params.username!, (obj(ctx).permission as Permission) ?? 'write');
    }),
    r('POST', '/repos/{owner}/{repo}/issues', (ctx) => {
      const b = obj(ctx);
      const issue = s.createIssue(repoName(ctx), {
        title: String(b.title ?? ''),
        body: opt(b.body),
        user: opt(b.user),
        labels: opt(b.labels),
        webhook: opt(b.webhook),
      });
      return s.issue(repoName(ctx), issue.number);
    }),
    r('GET', '/repos/{owner}/{repo}/issues/{issue_number}', (ctx) =>
      s.issue(repoName(ctx), Number(ctx.params.issue_number)),
    ),
    r('PATCH', '/repos/{owner}/{repo}/issues/{issue_number}', (ctx) => {
      const b = obj(ctx);
      s.editIssue(
        repoName(ctx),
        Number(ctx.params.issue_number),
        { title: opt(b.title), body: opt(b.body), state: opt(b.state) },
        { user: opt(b.user), webhook: opt(b.webhook) },
      );
      return s.issue(repoName(ctx), Number(ctx.params.issue_number));
    }),
    r('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', (ctx) => {
      const b = obj(ctx);
      s.addLabels(repoName(ctx), Number(ctx.params.issue_number), (b.labels as string[]) ?? [], {
        user: opt(b.user),
        webhook: opt(b.webhook),
      });
      return s.issue(repoName(ctx), Number(ctx.params.issue_number));
    }),
    r('DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', (ctx) => {
      s.removeLabel(repoName(ctx), Number(ctx.params.issue_number), ctx.params.name!, {
        user: ctx.query.get('user') ?? undefined,
        webhook: ctx.query.get('webhook') === 'false' ? false : undefined,
      });
      return s.issue(repoName(ctx), Number(ctx.params.issue_number));
    }),
    r('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', (ctx) => {
      const b = obj(ctx);
      return {
        id: s.comment(repoName(ctx), Number(ctx.params.issue_number), String(b.body ?? ''), {
          user: opt(b.user),
          webhook: opt(b.webhook),
        }),
      };
    }),
    r('POST', '/repos/{owner}/{repo}/pulls', (ctx) => {
      const b = obj(ctx);
      const pr = s.openPullRequest(repoName(ctx), {
        title: String(b.title ?? ''),
        body: opt(b.body),
        user: opt(b.user),
        head: opt(b.head),
        base: opt(b.base),
        fromFork: opt(b.fromFork),
        labels: opt(b.labels),
        webhook: opt(b.webhook),
      });
      return s.issue(repoName(ctx), pr.number);
    }),
    r('POST', '/webhooks', async (ctx) => {
      const b = obj(ctx);
      const d = await s.sendWebhook(String(b.event), (b.payload ?? {}) as Record<string, unknown>, opt(b.target));
      return { id: d.id, status: d.status, error: d.error };
    }),
    r('GET', '/deliveries', () =>
      s.webhooks.deliveries.map((d) => ({
        id: d.id,
        event: d.event,
        action: d.action,
        issue: d.issue,
        status: d.status,
        error: d.error,
        redelivery: d.redelivery,
      })),
    ),
    r('POST', '/deliveries/{delivery}/redeliver', async (ctx) => {
      const d = await s.redeliver(ctx.params.delivery!);
      return { id: d.id, status: d.status, error: d.error };
    }),
    r('POST', '/idle', () => s.idle().then(() => ({ idle: true }))),
    r('GET', '/counters', () => s.counters.snapshot()),
    r('DELETE', '/counters', () => s.counters.reset()),
    r('GET', '/requests', () => s.counters.requests()),
    r('GET', '/faults', () => s.faults.list().map((f) => ({ ...f, path: f.path?.source }))),
    r('POST', '/faults', (ctx) => {
      const b = obj(ctx) as unknown as Omit<FaultRule, 'path'> & { path?: unknown };
      const rule: FaultRule = { ...b, path: typeof b.path === 'string' ? new RegExp(b.path) : undefined };
      return { id: s.faults.add(rule) };
    }),
    r('DELETE', '/faults', () => s.faults.clear()),
    r('DELETE', '/faults/{fault_id}', (ctx) => s.faults.remove(Number(ctx.params.fault_id))),
  ];
}
