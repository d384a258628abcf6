import type { Issue } from './model';
import { validationFailed, type Ctx, type Handler, type Route } from './router';

/** Small pieces the REST route tables share (rest-app.ts, rest-issues.ts, rest-git.ts). */

export type RouteSpec = [method: string, template: string, auth: Route['auth'], handler: Handler];

export function obj(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  return {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `labels` may be `["a"]`, `{labels:["a"]}` or `{labels:[{name:"a"}]}`, as GitHub accepts all three. */
export function labelNames(body: unknown): string[] {
  const raw = Array.isArray(body) ? body : obj(body).labels;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw validationFailed("Invalid request.\n\nFor 'properties/labels', is not an array.");
  return raw.map((l) => {
    if (typeof l === 'string') return l;
    const name = obj(l).name;
    if (typeof name === 'string') return name;
    throw validationFailed('Invalid request.\n\nlabels must be strings.');
  });
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
