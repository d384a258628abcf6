import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolvePrincipal } from './auth';
import type { Counters } from './counters';
import { faultError, type Faults } from './faults';
import {
  execute,
  graphqlIssueKey,
  isRequest,
  parseRequest,
  shapeName,
  type GraphqlAnswer,
  type GraphqlResolver,
} from './graphql';
import { errorResult, readBody, send } from './http-io';
import type { RateLimits } from './rate-limit';
import { HttpError, matchRoute, type Ctx, type Result, type Route } from './router';
import type { GitHubStore } from './store';

/**
 * One HTTP request to the stand-in: the UI page, the control API, or GitHub's REST and GraphQL API with auth, faults,
 * rate limits, conditional GETs (ETag / 304) and the call counters.
 */

export interface HandlerState {
  store: GitHubStore;
  faults: Faults;
  counters: Counters;
  rate: RateLimits;
  /** GraphQL answers overridden per shape name (`standIn.graphql`). */
  graphql: Map<string, GraphqlResolver>;
  routes: Route[];
  control: Route[];
  strictAuth: boolean;
  baseUrl: string;
  renderUi(path: string): string;
}

export async function handleRequest(s: HandlerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', s.baseUrl || 'http://127.0.0.1');
  // Tolerate GHES-style `/api/v3` prefixes so either baseUrl spelling works.
  const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api(?=\/graphql$)/, '') || '/';
  let rawBody = '';
  try {
    rawBody = await readBody(req);
  } catch {
    res.destroy();
    return;
  }

  if (path === '/_ui' || path.startsWith('/_ui/')) {
    send(res, { status: 200, raw: s.renderUi(path), contentType: 'text/html; charset=utf-8' });
    return;
  }

  const isControl = path.startsWith('/_control/');
  const routes = isControl ? s.control : s.routes;
  const principal = resolvePrincipal(req, s.store, s.strictAuth);
  const ctx: Ctx = {
    method,
    path,
    query: url.searchParams,
    params: {},
    body: undefined,
    headers: req.headers,
    principal: principal instanceof HttpError ? { kind: 'anonymous' } : principal,
    api: s.baseUrl,
    store: s.store,
  };
  const isGraphql = !isControl && path === '/graphql' && method === 'POST';
  const match = isGraphql ? undefined : matchRoute(routes, method, path);
  let endpoint = isGraphql
    ? 'POST /graphql'
    : match
      ? `${method} ${match.route.template}`
      : `${method} (unmatched) ${path}`;
  let result: Result;
  let faultName: string | undefined;
  let write = !isGraphql && method !== 'GET' && method !== 'HEAD';
  let graphqlError: GraphqlAnswer | undefined;
  try {
    if (rawBody) {
      try {
        ctx.body = JSON.parse(rawBody);
      } catch {
        throw new HttpError(400, 'Problems parsing JSON');
      }
    }
    if (isGraphql) {
      const parsed = parseRequest((ctx.body ?? {}) as Record<string, unknown>);
      if (isRequest(parsed)) {
        ctx.graphql = parsed;
        endpoint = `POST graphql:${shapeName(parsed)}`;
        write = parsed.operation.type === 'mutation';
        ctx.issueKey = graphqlIssueKey(s.store, parsed);
      } else {
        endpoint = 'POST graphql:(invalid)';
        graphqlError = parsed;
      }
    }
    if (match && !isControl) {
      // Known before the handler runs, so failed and faulted calls still count against their issue.
      const n = match.params.issue_number ?? match.params.pull_number;
      if (n !== undefined) ctx.issueKey = `${match.params.owner}/${match.params.repo}#${n}`;
    }
    if (!isControl) {
      const faults = s.faults.pick(
        method,
        isGraphql ? endpoint.slice(5) : (match?.route.template ?? path),
        path,
        ctx.issueKey,
      );
      for (const fault of faults) {
        faultName = fault.kind;
        if (fault.kind === 'latency') await sleep(fault.latencyMs ?? 100);
        else if (fault.kind === 'hang') {
          s.counters.record({ method, path, endpoint, write, status: 0, issue: undefined, fault: 'hang' });
          return; // never answer; close() tears the socket down
        } else throw faultError(fault);
      }
    }
    if (principal instanceof HttpError && !isControl) throw principal;
    if (!isControl && ctx.principal.kind !== 'app') s.rate.enforce(ctx, isGraphql ? 'graphql' : 'core');
    if (isGraphql) {
      result = answerGraphql(s.graphql, ctx, graphqlError);
    } else if (!match) {
      throw new HttpError(404, 'Not Found', {
        stand_in: `no route for ${method} ${path}; see docs/local-stack.md "Adding an endpoint"`,
      });
    } else {
      ctx.params = match.params;
      authorize(match.route, ctx);
      result = await match.route.handler(ctx);
    }
  } catch (err) {
    result = errorResult(err);
  }

  if (ctx.endpointOverride) endpoint = ctx.endpointOverride;
  const rateKey = s.rate.key(ctx);
  if (!isControl && ctx.principal.kind !== 'app') {
    const conditional = result.status === 200 && method === 'GET';
    let notModified = false;
    if (conditional && result.body !== undefined) {
      const etag = `W/"${createHash('sha1').update(JSON.stringify(result.body)).digest('hex')}"`;
      result.headers = { ...result.headers, etag };
      if (req.headers['if-none-match'] === etag) notModified = true;
    }
    // A 304 does not count against the primary rate limit, as on GitHub.
    result.headers = { ...s.rate.headers(rateKey, isGraphql ? 'graphql' : 'core', !notModified), ...result.headers };
    if (notModified) result = { status: 304, headers: result.headers };
  }
  if (!isControl) {
    s.counters.record({
      method,
      path,
      endpoint,
      write,
      status: result.status,
      issue: ctx.issueKey?.toLowerCase(),
      actor:
        ctx.principal.kind === 'app' ? 'app' : 'account' in ctx.principal ? ctx.principal.account.login : undefined,
      fault: faultName,
    });
  }
  send(res, result);
}

function authorize(route: Route, ctx: Ctx): void {
  const kind = ctx.principal.kind;
  if (route.auth === 'app' && kind !== 'app') {
    throw new HttpError(401, 'A JSON web token could not be decoded');
  }
  if (route.auth !== 'app' && route.auth !== 'none' && kind === 'app') {
    // GitHub: the app JWT only reaches /app endpoints.
    throw new HttpError(403, 'Resource not accessible by integration');
  }
  if (route.auth === 'write' && kind === 'anonymous') throw new HttpError(401, 'Requires authentication');
}

/** By shape: an override registered under the request's shape name, else the schema walk (graphql.ts). */
function answerGraphql(overrides: Map<string, GraphqlResolver>, ctx: Ctx, invalid: GraphqlAnswer | undefined): Result {
  if (ctx.principal.kind === 'anonymous') {
    throw new HttpError(401, 'This endpoint requires you to be authenticated.');
  }
  if (invalid || !ctx.graphql) return { status: 200, body: invalid };
  const override = overrides.get(shapeName(ctx.graphql));
  const answer = override ? override(ctx.graphql.variables, ctx) : execute(ctx.graphql, ctx);
  return { status: 200, body: answer };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
