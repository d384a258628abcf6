/** processMessage decisions without Pub/Sub: what gets acked, what gets nacked, and why. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../../gcp-worker/src/metrics';
import {
  parseForwardedIssue,
  processMessage,
  type CountableClient,
  type ProcessDeps,
} from '../../gcp-worker/src/process-message';
import { createLogger } from '../../src/log/logger';
import type { Classifier } from '../../src/ml/types';
import { NoModelError, StoreUnavailableError, type ResolvedModel } from '../../src/registry';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { standInOctokit } from '../support/test-octokit';
import { forwardedIssue, keywordLoader } from './harness';

const msg = (data: unknown, attempt?: number) => ({
  id: 'm-1',
  data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
  attributes: { delivery_id: 'd-1' },
  deliveryAttempt: attempt,
});

describe('processMessage', () => {
  let github: GitHubStandIn;
  let model: Classifier;
  const addIssue = (number: number, title: string) =>
    github.createIssue('acme/widgets', { number, title, body: 'It crashes', user: 'alice' });
  /** Fail the next `times` label writes on whichever path the labeler takes: REST for a label new to the repo, else the one mutation. */
  const failLabels = (status: number, times = 1) => {
    github.faults.clear();
    github.faults.add({
      kind: 'status',
      status,
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      times,
    });
    github.faults.add({ kind: 'status', status, route: 'graphql:LabelBotApplyDecision', times });
  };
  beforeAll(async () => {
    github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await github.close();
  });
  beforeEach(async () => {
    github.reset();
    github.createRepo('acme/widgets');
    model = await keywordLoader(
      Buffer.concat([Buffer.from('KWMODEL1'), Buffer.from('{"bug":"crash"}')]),
      { labels: ['bug'] },
      'acme/widgets/v1',
    );
  });
  const deps = (resolve: () => Promise<ResolvedModel>): ProcessDeps => ({
    registry: { resolve },
    installationClient: async () => standInOctokit(github) as unknown as CountableClient,
    metrics: createWorkerMetrics(() => null, false),
    log: createLogger('test'),
    maxDeliveryAttempts: 5,
  });
  const ok = () =>
    Promise.resolve({ classifier: model, source: 'repo' as const, scope: 'acme/widgets', version: 'v1' });

  it('rejects bad JSON, unknown versions and schema violations with a reason', () => {
    expect(parseForwardedIssue(Buffer.from('{'))).toEqual({ ok: false, reason: 'data is not JSON' });
    expect(parseForwardedIssue(Buffer.from('{"v":2}'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/unknown message version 2/),
    });
    const bad = { ...forwardedIssue('a', 'b', 1), installation_id: -1 };
    expect(parseForwardedIssue(Buffer.from(JSON.stringify(bad)))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/installation_id/),
    });
    expect(parseForwardedIssue(Buffer.from(JSON.stringify(forwardedIssue('a', 'b', 1))))).toMatchObject({ ok: true });
  });

  it('nacks invalid messages, model-store outages, missing models and prediction failures', async () => {
    expect(await processMessage(msg('nope'), deps(ok))).toMatchObject({ outcome: 'invalid', action: 'nack' });
    const m = forwardedIssue('acme', 'widgets', 1);
    addIssue(1, 'Crash');
    expect(
      await processMessage(
        msg(m),
        deps(() => Promise.reject(new StoreUnavailableError('503'))),
      ),
    ).toMatchObject({ outcome: 'transient_error', action: 'nack' });
    expect(
      await processMessage(
        msg(m),
        deps(() => Promise.reject(new NoModelError('none'))),
      ),
    ).toMatchObject({ outcome: 'no_model', action: 'nack' });
    const broken: Classifier = {
      version: 'x',
      labels: ['bug'],
      predict: () => Promise.reject(new Error('onnx exploded')),
    };
    const res = await processMessage(
      msg(m),
      deps(() => Promise.resolve({ classifier: broken, source: 'repo', scope: 'acme/widgets', version: 'x' })),
    );
    expect(res).toMatchObject({ outcome: 'transient_error', action: 'nack' });
    expect(github.counters.requests().filter((r) => r.write)).toEqual([]);
  });

  it('acks a label, a 403 write and a gone issue; nacks a 429', async () => {
    addIssue(2, 'Crash');
    // Read, labels, and the comment mutation, which also resolves a two-pod comment race.
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 2)), deps(ok))).toMatchObject({
      outcome: 'labeled',
      action: 'ack',
      labels: ['bug'],
      githubCalls: 3,
    });
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 99)), deps(ok))).toMatchObject({
      outcome: 'gone',
      action: 'ack',
    });
    addIssue(3, 'Crash');
    failLabels(403);
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 3)), deps(ok))).toMatchObject({
      outcome: 'permanent_error',
      action: 'ack',
    });
    // Twice: the labeler retries a transient answer once by itself after a re-read.
    failLabels(429, 2);
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 3), 5), deps(ok))).toMatchObject({
      outcome: 'transient_error',
      action: 'nack',
    });
  });

  it('applies the operator defaults the frontend forwarded, under the repo file', async () => {
    addIssue(4, 'Crash');
    const m = {
      ...forwardedIssue('acme', 'widgets', 4),
      defaults: { comment: false, 'label-alias': { bug: 'type: bug' } },
    };
    // Silent mode from the defaults: read and labels only.
    expect(await processMessage(msg(m), deps(ok))).toMatchObject({
      outcome: 'labeled',
      labels: ['type: bug'],
      githubCalls: 2,
    });
    expect(github.issue('acme/widgets', 4).labels).toEqual(['type: bug']);
    expect(github.issue('acme/widgets', 4).comments).toHaveLength(0);
    // Ill-typed defaults make a bad message; keys from a newer frontend are dropped, not a reason to dead-letter.
    expect(parseForwardedIssue(Buffer.from(JSON.stringify({ ...m, defaults: { 'min-confidence': 7 } })))).toMatchObject(
      { ok: false, reason: expect.stringMatching(/defaults/) },
    );
    const newer = parseForwardedIssue(
      Buffer.from(JSON.stringify({ ...m, defaults: { comment: false, 'future-key': 1 } })),
    );
    expect(newer.ok && newer.message.defaults).toEqual({ comment: false });
  });
});
