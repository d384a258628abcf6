import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubStandIn, WebhookDelivery } from '../support/github-stand-in';
import { installationOctokit, withStandIn } from './support';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('GitHub stand-in webhooks', () => {
  let gh: GitHubStandIn;
  const received: Received[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200).end('ok');
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    gh = await withStandIn({ webhookSecret: 's3cret', webhookTarget: `http://127.0.0.1:${port}/api/github/webhooks` });
  });
  afterAll(async () => {
    await gh.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(() => {
    gh.reset();
    received.length = 0;
  });

  const payloadOf = (r: Received) => JSON.parse(r.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('sends issues.opened signed so @octokit/webhooks verify() accepts it, with installation and sender', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'Crash', body: 'trace', user: 'alice' });
    await gh.idle();
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.headers['x-github-event']).toBe('issues');
    expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verify('s3cret', r.body, String(r.headers['x-hub-signature-256']))).toBe(true);
    expect(await verify('wrong', r.body, String(r.headers['x-hub-signature-256']))).toBe(false);
    const p = payloadOf(r);
    expect(p).toMatchObject({
      action: 'opened',
      issue: { number: 1, title: 'Crash', body: 'trace', user: { login: 'alice', type: 'User' }, labels: [] },
      repository: { full_name: 'acme/widgets', private: false, owner: { login: 'acme', type: 'Organization' } },
      sender: { login: 'alice', type: 'User' },
      installation: { id: gh.installationId('acme') },
    });
  });

  it('follows issues.opened with one issues.labeled per label the issue was filed with', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 't', labels: ['bug', 'ui'], user: 'alice' });
    await gh.idle();
    expect(received.map((r) => `${payloadOf(r).action}:${payloadOf(r).label?.name ?? ''}`)).toEqual([
      'opened:',
      'labeled:bug',
      'labeled:ui',
    ]);
    expect(payloadOf(received[0]!).issue.labels.map((l: { name: string }) => l.name)).toEqual(['bug', 'ui']);
  });

  it('sends labeled events for the bot’s own REST changes with a Bot sender (how loops show up)', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 't', webhook: false });
    const octokit = await installationOctokit(gh, 'acme');
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
    await gh.idle();
    expect(
      received.map((r) => [
        r.headers['x-github-event'],
        payloadOf(r).action,
        payloadOf(r).label?.name,
        payloadOf(r).sender.type,
      ]),
    ).toEqual([['issues', 'labeled', 'bug', 'Bot']]);
  });

  it('sends issues.edited with changes, pull_request events for PRs, and issue_comment', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'old', webhook: false });
    gh.editIssue('acme/widgets', 1, { title: 'new' }, { user: 'alice' });
    const pr = gh.openPullRequest('acme/widgets', { title: 'PR', fromFork: 'eve/widgets', user: 'eve' });
    gh.addLabels('acme/widgets', pr.number, ['ciflow/trunk'], { user: 'maintainer' });
    gh.pushToPullRequest('acme/widgets', pr.number);
    gh.comment('acme/widgets', 1, 'hello', { user: 'bob' });
    await gh.idle();
    const summary = received.map((r) => `${r.headers['x-github-event']}.${payloadOf(r).action}`);
    expect(summary).toEqual([
      'issues.edited',
      'pull_request.opened',
      'pull_request.labeled',
      'pull_request.synchronize',
      'issue_comment.created',
    ]);
    expect(payloadOf(received[0]!).changes).toEqual({ title: { from: 'old' } });
    expect(payloadOf(received[1]!).pull_request.head.repo.full_name).toBe('eve/widgets');
    expect(payloadOf(received[2]!).label.name).toBe('ciflow/trunk');
  });

  it('redelivers with the same delivery id and signature', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 't' });
    await gh.idle();
    const first = gh.webhooks.deliveries[0]!;
    const again = await gh.redeliver(first.id);
    expect(again.status).toBe(200);
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['x-github-delivery']).toBe(first.id);
    expect(received[1]!.headers['x-hub-signature-256']).toBe(received[0]!.headers['x-hub-signature-256']);
  });

  it('delivers to an in-process function target and records the answer', async () => {
    gh.createRepo('acme/widgets');
    const seen: WebhookDelivery[] = [];
    const d = await gh.sendWebhook('ping', { zen: 'Keep it logically awesome.' }, async (delivery) => {
      seen.push(delivery);
      return { status: 202, body: 'accepted' };
    });
    expect(seen).toHaveLength(1);
    expect(d).toMatchObject({ status: 202, responseBody: 'accepted', event: 'ping' });
  });

  it('gives up on a target that does not answer in time, like GitHub after 10 s', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const quick = await withStandIn({
      webhookTimeoutMs: 200,
      webhookTarget: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
    });
    try {
      quick.createRepo('acme/slow');
      quick.createIssue('acme/slow', { title: 't' });
      await quick.idle();
      expect(quick.webhooks.deliveries[0]?.error).toMatch(/timeout|aborted/i);
      expect(quick.webhooks.deliveries[0]?.status).toBeUndefined();
    } finally {
      await quick.close();
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('stops auto-sending for an issue past the loop guard and reports it', async () => {
    const small = await withStandIn({ maxWebhooksPerIssue: 3 });
    try {
      small.createRepo('acme/loop');
      small.createIssue('acme/loop', { title: 't' });
      for (let i = 0; i < 5; i++) small.addLabels('acme/loop', 1, [`l${i}`]);
      await small.idle();
      expect(small.webhooks.deliveries).toHaveLength(3);
      expect([...small.webhooks.loopSuspects]).toEqual(['acme/loop#1']);
    } finally {
      await small.close();
    }
  });
});
