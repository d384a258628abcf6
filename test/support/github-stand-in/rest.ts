import { compileRoute, type Route } from './router';
import { appHandlers } from './rest-app';
import { issueHandlers } from './rest-issues';
import { pullAndGitHandlers } from './rest-git';

/**
 * The REST subset our code calls, one table per concern: rest-app.ts (app and installations), rest-issues.ts
 * (repos, contents, labels, issues, comments, events), rest-git.ts (pulls, refs, statuses, dispatches). To add an
 * endpoint: add one line to the table it belongs in with Octokit's path template, reuse `repoFor`/`issueFor` for
 * GitHub's 404 rules and `paginate` for lists, mutate through `ctx.store` (so events and webhooks follow), and add a
 * test in test/stand-in/.
 */
export function restRoutes(): Route[] {
  return [...appHandlers, ...issueHandlers, ...pullAndGitHandlers].map(([method, template, auth, handler]) =>
    compileRoute(method, template, auth, handler),
  );
}
