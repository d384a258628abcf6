/**
 * Every Octokit we build has a per-request deadline (GITHUB_REQUEST_TIMEOUT_MS): a GitHub request that never
 * answers fails as a transient error instead of hanging for undici's 300 s, and the one retry then gets through.
 * The GitHub stand-in's `hang` fault never answers the request.
 */
import { ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyGitHubError } from '../../src/github/errors';
import { readIssueState } from '../../src/github/issue-state';
import { createOctokitFactory } from '../../src/github/octokit';
import { fetchWithTimeout, githubRequestTimeoutFromEnv } from '../../src/github/request-timeout';
import { createRuntime } from '../../src/lambda/runtime';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { testPrivateKey } from '../support/test-octokit';
import { KeywordClassifier } from '../support/fake-classifier';

let gh: GitHubStandIn;
beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo('acme/widgets');
  gh.createIssue('acme/widgets', { title: 'Crash on start', body: 'trace', user: 'alice', webhook: false });
});
afterEach(async () => {
  await gh.close();
});

const hangIssueRead = (times: number) => gh.faults.add({ kind: 'hang', route: 'graphql:LabelBotIssueState', times });
const ref = { owner: 'acme', repo: 'widgets', number: 1 };

describe('GITHUB_REQUEST_TIMEOUT_MS', () => {
  it('parses the setting: unset → default, 0 → off, garbage → start-up error', () => {
    expect(githubRequestTimeoutFromEnv({}, 10_000)).toBe(10_000);
    expect(githubRequestTimeoutFromEnv({ GITHUB_REQUEST_TIMEOUT_MS: '2500' }, 10_000)).toBe(2500);
    expect(githubRequestTimeoutFromEnv({ GITHUB_REQUEST_TIMEOUT_MS: '0' }, 10_000)).toBe(0);
    expect(() => githubRequestTimeoutFromEnv({ GITHUB_REQUEST_TIMEOUT_MS: 'soon' }, 10_000)).toThrow(
      /GITHUB_REQUEST_TIMEOUT_MS/,
    );
    expect(() => githubRequestTimeoutFromEnv({ GITHUB_REQUEST_TIMEOUT_MS: '-1' }, 10_000)).toThrow(
      /GITHUB_REQUEST_TIMEOUT_MS/,
    );
  });

  it('a wrapped fetch still honours the caller’s own abort signal', async () => {
    const caller = new AbortController();
    caller.abort(new Error('caller gave up'));
    await expect(fetchWithTimeout(10_000)(`${gh.url}/`, { signal: caller.signal })).rejects.toThrow('caller gave up');
  });
});

describe('octokit factory (worker / CLI): per-request deadline', () => {
  it('a request that never answers fails after the deadline, as a transient error', async () => {
    const factory = createOctokitFactory(
      { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
      { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } }, requestTimeoutMs: 300 },
    );
    const octokit = await factory.forRepo('acme', 'widgets');
    hangIssueRead(1);
    const err = await readIssueState(octokit, ref).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(String((err as Error).message)).toMatch(/timed out after 300 ms/);
    expect(classifyGitHubError(err)).toBe('transient');
    // The client is still usable: the next request gets its own deadline and answers.
    expect(await readIssueState(octokit, ref)).toMatchObject({ title: 'Crash on start' });
  });

  it('with retries on, the retry of a hung request gets through', async () => {
    const factory = createOctokitFactory(
      { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
      {
        octokitDefaults: { retry: { retries: 1, retryAfterBaseValue: 10 }, throttle: { enabled: false } },
        requestTimeoutMs: 300,
      },
    );
    const octokit = await factory.forRepo('acme', 'widgets');
    hangIssueRead(1);
    expect(await readIssueState(octokit, ref)).toMatchObject({ title: 'Crash on start' });
    expect(gh.counters.requests().filter((r) => r.fault === 'hang')).toHaveLength(1);
  });

  it('the installation-token request has the deadline too', async () => {
    const factory = createOctokitFactory(
      { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
      { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } }, requestTimeoutMs: 300 },
    );
    gh.faults.add({ kind: 'hang', method: 'POST', path: /\/app\/installations\/\d+\/access_tokens$/, times: 1 });
    const octokit = await factory.installation(gh.installationId('acme'));
    await expect(readIssueState(octokit, ref)).rejects.toThrow(/timed out after 300 ms/);
  });
});

describe('Lambda runtime: per-request deadline inside the webhook window', () => {
  it('a hung issue read is abandoned after GITHUB_REQUEST_TIMEOUT_MS, retried once, and the issue labeled', async () => {
    const { handler } = createRuntime({
      env: {
        APP_ID: String(gh.appId),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: gh.webhookSecret,
        GITHUB_API_URL: gh.url,
        GITHUB_REQUEST_TIMEOUT_MS: '300',
        LOG_LEVEL: 'silent',
      },
      // Production's one retry (runtime default), with the backoff unit scaled from 1 s to 10 ms.
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
        ...o,
        retry: { ...(o.retry as object | undefined), retryAfterBaseValue: 10 },
        throttle: { ...(o.throttle as object | undefined), enabled: false },
      })) as typeof ProbotOctokit,
      loadClassifier: async () => new KeywordClassifier('universal/timeout-test'),
    });
    hangIssueRead(1);
    const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1, 'opened'));
    const res = await handler({
      version: '2.0',
      rawPath: '/webhook',
      headers: delivery.headers,
      requestContext: { http: { method: 'POST', path: '/webhook' } },
      body: delivery.body,
      isBase64Encoded: false,
    });
    expect(res.statusCode).toBe(200);
    expect(gh.counters.requests().filter((r) => r.fault === 'hang')).toHaveLength(1);
    expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);
  });
});
