import { generateKeyPairSync } from 'node:crypto';
import { ProbotOctokit, type Probot } from 'probot';
import { createProbot, type CreateProbotOptions } from '../../src/github/create-probot';
import { createLogger } from '../../src/log/logger';
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

let cachedKey: string | undefined;
/** Any RSA key will do: the GitHub stand-in does not verify JWT signatures, but Probot needs a real key to sign one. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return cachedKey;
}

/**
 * A Probot on the stand-in, built by the production factory (src/github/create-probot.ts) with the test Octokit;
 * `over` adds what a suite needs, e.g. the Lambda's `webhookWindow`.
 */
export function standInProbot(gh: GitHubStandIn, over: Partial<CreateProbotOptions> = {}): Probot {
  return createProbot({
    appId: gh.appId,
    privateKey: testPrivateKey(),
    baseUrl: gh.url,
    requestTimeoutMs: 0,
    Octokit: TestOctokit,
    log: createLogger('probot-test'),
    ...over,
  });
}

/**
 * An Octokit on the stand-in with a token it never issued: it acts as the app's bot and sees every repo (the
 * stand-in's default, non-strict auth), like an installation token for the repo under test.
 */
export const standInOctokit = (gh: GitHubStandIn) =>
  new TestOctokit({ auth: { token: 'test-installation-token' }, baseUrl: gh.url });
