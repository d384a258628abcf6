/**
 * The Lambda handler end to end against the GitHub stand-in: signed deliveries go straight into the handler as
 * HTTP API v2 events (base64 bodies), and every GitHub call goes to the stand-in over loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/lambda/runtime';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { TestOctokit } from '../support/test-octokit';
import { KeywordClassifier } from '../support/fake-classifier';
import { configBody } from '../bots/app-harness';
import { httpApiEvent } from '../support/lambda-event';
import { standInLambdaEnv } from '../support/lambda-runtime';

let gh: GitHubStandIn;
let handler: ReturnType<typeof createRuntime>['handler'];

beforeEach(async () => {
  gh = await startGitHubStandIn({
    webhookTarget: async (delivery) => {
      const res = await handler(httpApiEvent(delivery));
      return { status: res.statusCode, body: res.body };
    },
  });
  gh.createRepo('acme/ops');
  gh.createRepo('acme/widgets');
  gh.setPermission('acme/ops', 'operator', 'admin');
  gh.setPermission('acme/ops', 'visitor', 'read');
  handler = createRuntime({
    env: standInLambdaEnv(gh, { CONFIG_ISSUE: 'acme/ops#1' }),
    Octokit: TestOctokit,
    loadClassifier: async () => new KeywordClassifier('universal/stand-in'),
  }).handler;
});
afterEach(async () => {
  await gh.close();
});

describe('Lambda handler against the GitHub stand-in', () => {
  it('labels a new issue with exactly 3 calls (read, labels, comment mutation), one comment, and no loop', async () => {
    gh.createIssue('acme/ops', {
      title: 'config',
      body: configBody('salt: s\nrollout: {}\n'),
      user: 'operator',
      number: 1,
    });
    gh.createIssue('acme/widgets', { title: 'Crash on start', body: 'stack trace', user: 'alice' });
    await gh.idle();
    const issue = gh.issue('acme/widgets', 1);
    expect(issue.labels).toEqual(['bug']);
    expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    expect(gh.counters.snapshot().byIssue['acme/widgets#1']).toEqual({
      total: 3,
      byEndpoint: {
        'POST graphql:LabelBotIssueState': 1,
        'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': 1,
        'POST graphql:LabelBotAddComment': 1,
      },
    });
    expect(
      gh.webhooks.deliveries
        .filter((d) => d.status !== 200)
        .map((d) => [d.event, d.action, d.status, d.responseBody, d.error]),
    ).toEqual([]);

    // Redeliver the opened event twice: still one comment, no new writes.
    const opened = gh.webhooks.deliveries.find(
      (d) => d.event === 'issues' && d.action === 'opened' && d.issue === 'acme/widgets#1',
    )!;
    const before = gh.counters.forIssue('acme/widgets', 1);
    await gh.redeliver(opened.id);
    await gh.redeliver(opened.id);
    await gh.idle();
    expect(gh.counters.forIssue('acme/widgets', 1) - before).toBe(2); // one GraphQL read each, no writes
    expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);
  });

  it('a racing delivery that committed its comment first wins: the mutation payload shows it, ours is deleted', async () => {
    gh.createIssue('acme/ops', {
      title: 'config',
      body: configBody('salt: s\nrollout: {}\n'),
      user: 'operator',
      number: 1,
    });
    await gh.idle();
    // Another instance's identical comment lands between our read and our write.
    const builtin = gh.graphql.get('LabelBotAddComment')!;
    gh.graphql.set('LabelBotAddComment', (variables, ctx) => {
      gh.comment('acme/widgets', 1, String(variables.body), { user: gh.botLogin, webhook: false });
      return builtin(variables, ctx);
    });
    gh.createIssue('acme/widgets', { title: 'Crash on start', body: 'stack trace', user: 'alice' });
    await gh.idle();
    const [racer, ...rest] = gh.botComments('acme/widgets', 1);
    expect(rest).toEqual([]);
    expect(racer!.body).toContain('| `bug` |');
    const deleted = gh.counters
      .requests()
      .filter((r) => r.endpoint === 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}');
    expect(deleted.map((r) => r.status)).toEqual([204]);
    expect(Number(deleted[0]!.path.split('/').pop())).toBeGreaterThan(racer!.id);
    expect(gh.counters.forIssue('acme/widgets', 1)).toBe(4); // the race costs one call: the DELETE
  });

  it('never re-adds a label a maintainer removed', async () => {
    gh.createIssue('acme/ops', { title: 'config', body: configBody('salt: s\n'), user: 'operator', number: 1 });
    gh.createIssue('acme/widgets', { title: 'crash', user: 'alice' });
    await gh.idle();
    gh.removeLabel('acme/widgets', 1, 'bug', { user: 'maintainer' });
    gh.editIssue('acme/widgets', 1, { state: 'closed' });
    gh.editIssue('acme/widgets', 1, { state: 'open' }); // issues.reopened
    await gh.idle();
    expect(gh.issue('acme/widgets', 1).labels).toEqual([]);
  });

  it('applies config edits by writers, ignores others, and keeps one status comment', async () => {
    gh.createIssue('acme/ops', {
      title: 'config',
      body: configBody('salt: s\ndefaults:\n  comment: true\n'),
      user: 'operator',
      number: 1,
    });
    gh.createIssue('acme/widgets', { title: 'crash', user: 'alice' }); // loads and caches the config
    await gh.idle();
    // The stand-in lets anyone edit; on GitHub only the author and writers can. The webhook path checks anyway.
    gh.editIssue('acme/ops', 1, { body: configBody('salt: s\ndefaults:\n  comment: false\n') }, { user: 'visitor' });
    await gh.idle();
    gh.createIssue('acme/widgets', { title: 'crash', user: 'alice', number: 10 });
    await gh.idle();
    expect(gh.botComments('acme/widgets', 10)).toHaveLength(1); // visitor's edit ignored

    gh.editIssue('acme/ops', 1, { body: configBody('salt: s\ndefaults:\n  comment: maybe\n') }, { user: 'operator' });
    await gh.idle();
    expect(gh.botComments('acme/ops', 1)).toHaveLength(1);
    expect(gh.botComments('acme/ops', 1)[0]!.body).toMatch(/invalid/);

    gh.editIssue('acme/ops', 1, { body: configBody('salt: s\ndefaults:\n  comment: false\n') }, { user: 'operator' });
    await gh.idle();
    expect(gh.botComments('acme/ops', 1)).toHaveLength(1);
    expect(gh.botComments('acme/ops', 1)[0]!.body).toMatch(/valid\.\*\*/);
    gh.createIssue('acme/widgets', { title: 'crash again', user: 'alice', number: 11 });
    await gh.idle();
    expect(gh.issue('acme/widgets', 11).labels).toEqual(['bug']);
    expect(gh.botComments('acme/widgets', 11)).toHaveLength(0);
  });

  it('answers 401 to a delivery signed with another secret', async () => {
    gh.createIssue('acme/widgets', { title: 'crash', user: 'alice', webhook: false });
    const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1, 'opened'));
    const res = await handler(
      httpApiEvent({
        ...delivery,
        headers: { ...delivery.headers, 'X-Hub-Signature-256': 'sha256=' + '0'.repeat(64) },
      }),
    );
    expect(res.statusCode).toBe(401);
    expect(gh.counters.forIssue('acme/widgets', 1)).toBe(0);
  });
});
