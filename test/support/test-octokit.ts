import { ProbotOctokit } from 'probot';
import type { GitHubStandIn } from './github-stand-in';

/**
 * Retry and throttling off, or one failing call takes minutes. A function, not an object: Probot's installation
 * clients pass their own `throttle` options, which would shallow-override `{ enabled: false }` and bring back the 1 s
 * gap between writes.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
})) as typeof ProbotOctokit;

/**
 * An Octokit on the stand-in with a token it never issued: it acts as the app's bot and sees every repo (the
 * stand-in's default, non-strict auth), like an installation token for the repo under test.
 */
export const standInOctokit = (gh: GitHubStandIn) => new TestOctokit({ auth: { token: 'test-installation-token' }, baseUrl: gh.url });
