import type { IncomingHttpHeaders } from 'node:http';
import type { Account, Installation, Issue, Repo } from './model';
import type { GitHubStore } from './store';
import type { GraphqlRequest } from './graphql-parse';

/** What a request authenticated as: the app (JWT), an installation's bot, a user token, or nobody. */
export type Principal =
  | { kind: 'app' }
  | { kind: 'installation'; installation: Installation; account: Account }
  | { kind: 'user'; account: Account }
  /** A token the stand-in never issued, accepted as the app's bot with access everywhere unless `strictAuth`. */
  | { kind: 'any-token'; account: Account }
  | { kind: 'anonymous' };

export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  principal: Principal;
  api: string;
  store: GitHubStore;
  /** Set by handlers that concern one issue, for the per-issue counters: `owner/repo#n`. */
  issueKey?: string;
  /** Refines the counted endpoint, e.g. `POST graphql:LabelBotIssueState`. */
  endpointOverride?: string;
  /** The parsed GraphQL request, on `POST /graphql` only. */
  graphql?: GraphqlRequest;
}

export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent verbatim instead of JSON (raw file contents, HTML). */
  raw?: string;
  contentType?: string;
}

export type Handler = (ctx: Ctx) => Result | Promise<Result>;

export interface Route {
  method: string;
  template: string;
  handler: Handler;
  /** `app` = JWT only (the /app endpoints); `read`/`write` = GitHub's usual token rules. */
  auth: 'app' | 'read' | 'write' | 'none';
  segments: { literal?: string; param?: string; numeric?: boolean; rest?: boolean }[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const DOCS = 'https://docs.github.com/rest';

export function notFound(): HttpError {
  return new HttpError(404, 'Not Found');
}

export function validationFailed(message: string, errors: Record<string, unknown>[] = []): HttpError {
  return new HttpError(422, message, errors.length ? { errors } : {});
}

/**
 * Templates use Octokit's spelling (`/repos/{owner}/{repo}/issues/{issue_number}`) so counters read like the Octokit docs.
 * Params ending in `_number` or `_id` only match digits (that is how `issues/comments/1` and `issues/1/comments` coexist);
 * `{name+}` swallows the rest of the path (git refs, file paths).
 */
export function compileRoute(method: string, template: string, auth: Route['auth'], handler: Handler): Route {
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      const m = /^\{(\w+)(\+?)\}$/.exec(seg);
      if (!m) return { literal: seg };
      const param = m[1]!;
      return { param, rest: m[2] === '+', numeric: /(_number|_id)$/.test(param) };
    });
  return { method, template, handler, auth, segments };
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    let ok = true;
    let i = 0;
    for (const seg of route.segments) {
      if (seg.rest) {
        if (i >= parts.length) {
          ok = false;
          break;
        }
        params[seg.param!] = parts.slice(i).map(safeDecode).join('/');
        i = parts.length;
        break;
      }
      const part = parts[i];
      if (part === undefined) {
        ok = false;
        break;
      }
      if (seg.literal !== undefined) {
        if (seg.literal !== part) {
          ok = false;
          break;
        }
      } else {
        const value = safeDecode(part);
        if (seg.numeric && !/^\d+$/.test(value)) {
          ok = false;
          break;
        }
        params[seg.param!] = value;
      }
      i++;
    }
    if (ok && i === parts.length) return { route, params };
  }
  return undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The acting account for writes; the app's JWT cannot write to repos. */
export function actorOf(ctx: Ctx): Account {
  const p = ctx.principal;
  if (p.kind === 'installation' || p.kind === 'user' || p.kind === 'any-token') return p.account;
  throw new HttpError(401, 'Requires authentication');
}

/** Repo lookup with GitHub's visibility rules: what you may not see is a 404, never a 403. */
export function repoFor(ctx: Ctx, owner = ctx.params.owner!, name = ctx.params.repo!): Repo {
  const repo = ctx.store.getRepo(owner, name);
  if (!repo || !canSee(ctx, repo)) throw notFound();
  return repo;
}

export function canSee(ctx: Ctx, repo: Repo): boolean {
  const p = ctx.principal;
  switch (p.kind) {
    case 'installation':
      return p.installation.account.id === repo.owner.id;
    case 'any-token':
      return true;
    case 'user':
      return !repo.private || ctx.store.permissionOf(repo, p.account.login) !== 'none';
    default:
      return !repo.private;
  }
}

export function issueFor(
  ctx: Ctx,
  repo: Repo,
  number = Number(ctx.params.issue_number ?? ctx.params.pull_number),
): Issue {
  const issue = repo.issues.get(number);
  if (!issue) throw notFound();
  ctx.issueKey = `${repo.owner.login}/${repo.name}#${number}`;
  return issue;
}

/**
 * GitHub's page-number pagination: `per_page` (default 30, max 100), `page`, and a `Link` header
 * with next/last/first/prev that Octokit's paginate() follows.
 */
export function paginate<T>(ctx: Ctx, items: T[]): Result {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(p));
    q.set('per_page', String(perPage));
    return `<${ctx.api}${ctx.path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return { status: 200, body: slice, headers: links.length ? { link: links.join(', ') } : {} };
}
