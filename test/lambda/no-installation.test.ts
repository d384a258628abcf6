/**
 * A signed repository event without `installation` (a repository or organization webhook pointed at the app's URL;
 * GitHub's recorded example payloads are such) is answered 200 and ignored before any handler runs: no GitHub call,
 * one warning, and nothing cached from an unauthenticated look at the repo that the app's own deliveries then trust.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookHandler } from '../../src/lambda/webhook-handler';
import { createRuntime } from '../../src/lambda/runtime';
import { createLogger } from '../../src/log/logger';
import { logSink } from '../bots/app-harness';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { KeywordClassifier } from '../support/fake-classifier';
import { httpApiEvent } from '../support/lambda-event';
import { standInLambdaEnv } from '../support/lambda-runtime';
import { TestOctokit } from '../support/test-octokit';

const REPO = 'acme/private';
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.reset();
  // A private repo whose label rule lives in its tracking issue: only the installation may read either.
  gh.createRepo(REPO, { private: true, files: { '.github/issue_label_bot.yaml': 'tracking-issue: 1\n' } });
  gh.setPermission(REPO, 'maintainer', 'admin');
  const rules = '```yaml\nlabel-rules:\n  - any: [high priority]\n    then: [triage review]\n```\n';
  gh.createIssue(REPO, { title: 'label-bot settings', body: rules, user: 'maintainer', webhook: false });
  gh.createIssue(REPO, { title: 'Crash on start', body: 'It crashes', user: 'alice', webhook: false });
  gh.addLabels(REPO, 2, ['high priority'], { user: 'maintainer', webhook: false });
});

function labeledPayload(withInstallation: boolean): Record<string, unknown> {
  const built = gh.issuesPayload(REPO, 2, 'opened', 'maintainer');
  const labeled = { ...built, action: 'labeled', label: { name: 'high priority' } };
  if (!withInstallation) delete (labeled as { installation?: unknown }).installation;
  return labeled;
}

/** The Lambda's HTTP side over a Probot stand-in that records which events reached it, and its log lines. */
function recordingHandler() {
  const sink = logSink();
  const log = createLogger('lambda', sink.stream);
  log.level = 'info';
  const received: string[] = [];
  const probot = {
    webhooks: {
      receive: async (e: { name: string }) => {
        received.push(e.name);
      },
    },
  };
  const handler = createWebhookHandler({
    init: async () => ({ secret: gh.webhookSecret, probot: probot as never }),
    log,
  });
  return { handler, received, lines: () => sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('a repository event without installation', () => {
  it('is answered 200 without running any handler: no GitHub call, one warning naming the delivery', async () => {
    const { handler, received, lines } = recordingHandler();
    const d = gh.buildWebhook('issues', labeledPayload(false));
    const res = await handler(httpApiEvent(d));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, ignored: 'no installation' });
    expect(received).toEqual([]);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        delivery_id: d.id,
        event: 'issues',
        repo: REPO,
        msg: 'ignored webhook: no installation (not a GitHub App delivery)',
      }),
    ]);
    // The same payload with its installation goes to the app.
    await handler(httpApiEvent(gh.buildWebhook('issues', labeledPayload(true))));
    expect(received).toEqual(['issues']);
  });

  it('leaves the app’s own delivery of that repo right after it fully working (no "no settings" cached)', async () => {
    const handler = createRuntime({
      env: standInLambdaEnv(gh),
      Octokit: TestOctokit,
      loadClassifier: async () => new KeywordClassifier('universal/no-installation'),
    }).handler;
    gh.counters.reset();
    const repoHook = await handler(httpApiEvent(gh.buildWebhook('issues', labeledPayload(false))));
    expect(repoHook.statusCode).toBe(200);
    expect(gh.counters.snapshot().total).toBe(0);

    const appHook = await handler(httpApiEvent(gh.buildWebhook('issues', labeledPayload(true))));
    expect(appHook.statusCode).toBe(200);
    // The label rule in the private repo's tracking issue applied: its settings were read through the installation.
    expect(gh.issue(REPO, 2).labels).toEqual(['high priority', 'triage review']);
  });

  it('still hands events without a repository (ping, installation) to the app', async () => {
    const { handler, received } = recordingHandler();
    for (const [event, payload] of [
      ['ping', { zen: 'Keep it logically awesome.', hook_id: 1, hook: { app_id: gh.appId } }],
      ['installation', { action: 'created', installation: { id: 5, account: { login: 'acme' } } }],
    ] as const) {
      const res = await handler(httpApiEvent(gh.buildWebhook(event, payload)));
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true });
    }
    expect(received).toEqual(['ping', 'installation']);
  });
});
