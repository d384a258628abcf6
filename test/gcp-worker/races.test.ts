/**
 * The worker route under racing messages and a late comment write (issue #19): processMessage with the per-process
 * issue lock, as subscriber.ts wires it, and installation clients from the shipped Octokit factory, against the GitHub
 * stand-in, which counts every comment it commits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkerMetrics } from '../../gcp-worker/src/metrics';
import { processMessage, type CountableClient, type ProcessDeps } from '../../gcp-worker/src/process-message';
import { KeyedLock } from '../../src/github/keyed-lock';
import { createOctokitFactory } from '../../src/github/octokit';
import { createLogger } from '../../src/log/logger';
import type { Classifier } from '../../src/ml/types';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { testPrivateKey } from '../support/test-octokit';
import { forwardedIssue, keywordLoader } from './harness';

let gh: GitHubStandIn;
let created: number;
let model: Classifier;

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo('acme/widgets');
  gh.createIssue('acme/widgets', {
    title: 'App crashes on start',
    body: 'It crashes',
    user: 'alice',
    number: 1,
    webhook: false,
  });
  created = 0;
  const create = gh.store.createComment.bind(gh.store);
  vi.spyOn(gh.store, 'createComment').mockImplementation((...args) => {
    created++;
    return create(...args);
  });
  model = await keywordLoader(
    Buffer.concat([Buffer.from('KWMODEL1'), Buffer.from('{"bug":"crash"}')]),
    { labels: ['bug'] },
    'acme/widgets/v1',
  );
});
afterEach(async () => {
  vi.restoreAllMocks();
  await gh.close();
});

function deps(requestTimeoutMs?: number): ProcessDeps {
  const factory = createOctokitFactory(
    { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
    { requestTimeoutMs },
  );
  return {
    registry: {
      resolve: async () => ({ classifier: model, source: 'repo' as const, scope: 'acme/widgets', version: 'v1' }),
    },
    installationClient: async (id) => (await factory.installation(id)) as unknown as CountableClient,
    metrics: createWorkerMetrics(() => null, false),
    log: createLogger('test'),
    maxDeliveryAttempts: 5,
    issueLock: new KeyedLock(),
  };
}

const message = () => {
  const m = forwardedIssue('acme', 'widgets', 1, { installation_id: gh.installationId('acme') });
  return { id: m.delivery_id, data: Buffer.from(JSON.stringify(m)), attributes: { delivery_id: m.delivery_id } };
};

describe('worker route', () => {
  it.each([
    ['a repo that lacks the label', false],
    ['a repo that has the label (one mutation)', true],
  ])('ten racing messages for one issue in %s create one comment', { timeout: 20_000 }, async (_name, hasLabel) => {
    if (hasLabel) gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
    const d = deps();
    const results = await Promise.all(Array.from({ length: 10 }, () => processMessage(message(), d)));
    expect(results.map((r) => r.action)).toEqual(results.map(() => 'ack'));
    expect(created).toBe(1);
    expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);
  });

  it(
    'a comment write committed after the deadline is not retried blind: nack, and the redelivery finds it',
    { timeout: 20_000 },
    async () => {
      gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
      gh.faults.add({ kind: 'latency', route: 'graphql:LabelBotApplyDecision', latencyMs: 900, times: 1 });
      const d = deps(300);
      expect(await processMessage(message(), d)).toMatchObject({ outcome: 'transient_error', action: 'nack' });
      const end = Date.now() + 5_000;
      // Until GitHub has committed and answered the slow write the worker gave up on.
      const answered = () => gh.counters.requests().some((r) => r.fault === 'latency' && r.status === 200);
      while (!answered() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(answered()).toBe(true);
      expect(await processMessage(message(), d)).toMatchObject({ outcome: 'labeled', action: 'ack', githubCalls: 1 });
      expect(created).toBe(1);
      expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    },
  );
});
