/** processMessage decisions without Pub/Sub: what gets acked, what gets nacked, and why. */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../../gcp-worker/src/metrics';
import { parseForwardedIssue, processMessage, type CountableClient, type ProcessDeps } from '../../gcp-worker/src/process-message';
import { createLogger } from '../../src/log/logger';
import type { Classifier } from '../../src/ml/types';
import { NoModelError, StoreUnavailableError, type ResolvedModel } from '../../src/registry';
import { FakeGitHub, testOctokit } from '../support/nock-github';
import { forwardedIssue, keywordLoader } from './harness';

const msg = (data: unknown, attempt?: number) => ({
  id: 'm-1',
  data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
  attributes: { delivery_id: 'd-1' },
  deliveryAttempt: attempt,
});

describe('processMessage', () => {
  let github: FakeGitHub;
  let model: Classifier;
  beforeEach(async () => {
    nock.disableNetConnect();
    github = new FakeGitHub();
    github.install();
    github.addRepo('acme/widgets');
    model = await keywordLoader(Buffer.concat([Buffer.from('KWMODEL1'), Buffer.from('{"bug":"crash"}')]), { labels: ['bug'] }, 'acme/widgets/v1');
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const deps = (resolve: () => Promise<ResolvedModel>): ProcessDeps => ({
    registry: { resolve },
    installationClient: async () => testOctokit() as unknown as CountableClient,
    metrics: createWorkerMetrics(() => null, false),
    log: createLogger('test'),
    maxDeliveryAttempts: 5,
  });
  const ok = () => Promise.resolve({ classifier: model, source: 'repo' as const, scope: 'acme/widgets', version: 'v1' });

  it('rejects bad JSON, unknown versions and schema violations with a reason', () => {
    expect(parseForwardedIssue(Buffer.from('{'))).toEqual({ ok: false, reason: 'data is not JSON' });
    expect(parseForwardedIssue(Buffer.from('{"v":2}'))).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown message version 2/) });
    const bad = { ...forwardedIssue('a', 'b', 1), installation_id: -1 };
    expect(parseForwardedIssue(Buffer.from(JSON.stringify(bad)))).toMatchObject({ ok: false, reason: expect.stringMatching(/installation_id/) });
    expect(parseForwardedIssue(Buffer.from(JSON.stringify(forwardedIssue('a', 'b', 1))))).toMatchObject({ ok: true });
  });

  it('nacks invalid messages, model-store outages, missing models and prediction failures', async () => {
    expect(await processMessage(msg('nope'), deps(ok))).toMatchObject({ outcome: 'invalid', action: 'nack' });
    const m = forwardedIssue('acme', 'widgets', 1);
    github.addIssue('acme/widgets', { number: 1, title: 'Crash' });
    expect(await processMessage(msg(m), deps(() => Promise.reject(new StoreUnavailableError('503'))))).toMatchObject({ outcome: 'transient_error', action: 'nack' });
    expect(await processMessage(msg(m), deps(() => Promise.reject(new NoModelError('none'))))).toMatchObject({ outcome: 'no_model', action: 'nack' });
    const broken: Classifier = { version: 'x', labels: ['bug'], predict: () => Promise.reject(new Error('onnx exploded')) };
    const res = await processMessage(msg(m), deps(() => Promise.resolve({ classifier: broken, source: 'repo', scope: 'acme/widgets', version: 'x' })));
    expect(res).toMatchObject({ outcome: 'transient_error', action: 'nack' });
    expect(github.writes()).toHaveLength(0);
  });

  it('acks a label, a 403 write and a gone issue; nacks a 429', async () => {
    github.addIssue('acme/widgets', { number: 2, title: 'Crash' });
    // Read, labels, and the comment mutation, which also resolves a two-pod comment race.
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 2)), deps(ok))).toMatchObject({ outcome: 'labeled', action: 'ack', labels: ['bug'], githubCalls: 3 });
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 99)), deps(ok))).toMatchObject({ outcome: 'gone', action: 'ack' });
    github.addIssue('acme/widgets', { number: 3, title: 'Crash' });
    github.failLabelsWith = { status: 403, times: 1 };
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 3)), deps(ok))).toMatchObject({ outcome: 'permanent_error', action: 'ack' });
    github.failLabelsWith = { status: 429, times: 1 };
    expect(await processMessage(msg(forwardedIssue('acme', 'widgets', 3), 5), deps(ok))).toMatchObject({ outcome: 'transient_error', action: 'nack' });
  });

  it('applies the operator defaults the frontend forwarded, under the repo file', async () => {
    github.addIssue('acme/widgets', { number: 4, title: 'Crash' });
    const m = { ...forwardedIssue('acme', 'widgets', 4), defaults: { comment: false, 'label-alias': { bug: 'type: bug' } } };
    // Silent mode from the defaults: read and labels only.
    expect(await processMessage(msg(m), deps(ok))).toMatchObject({ outcome: 'labeled', labels: ['type: bug'], githubCalls: 2 });
    expect(github.issue('acme/widgets', 4).labels).toEqual(['type: bug']);
    expect(github.issue('acme/widgets', 4).comments).toHaveLength(0);
    // Ill-typed defaults make a bad message; keys from a newer frontend are dropped, not a reason to dead-letter.
    expect(parseForwardedIssue(Buffer.from(JSON.stringify({ ...m, defaults: { 'min-confidence': 7 } })))).toMatchObject({ ok: false, reason: expect.stringMatching(/defaults/) });
    const newer = parseForwardedIssue(Buffer.from(JSON.stringify({ ...m, defaults: { comment: false, 'future-key': 1 } })));
    expect(newer.ok && newer.message.defaults).toEqual({ comment: false });
  });
});
