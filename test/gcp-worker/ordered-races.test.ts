/**
 * Racing deliveries on the forwarded route (issue #19, item 3), end to end: ten webhook deliveries of one issue,
 * each forwarded by its own Lambda instance (ten PubSubPublisher clients, so ten messages with the same ordering key),
 * for several issues at once, pulled by TWO worker pods (separate workers: own Pub/Sub client, Octokit factory,
 * throttle state, token cache and issue lock) against the GitHub stand-in with the overlapping latency of
 * test/github/racing-processes.test.ts. With message ordering on the subscription, one issue's messages are never
 * outstanding on both pods at once and the pod that has them runs them one after another, so each issue's comment is
 * created once. Without it (the control), the pods race on GitHub as before: reported, not asserted, beyond >= 1.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createOctokitFactory } from '../../src/github/octokit';
import { PubSubPublisher } from '../../src/pubsub/publisher';
import type { CountableClient } from '../../gcp-worker/src/process-message';
import { startPubSubFake, type PubSubFakeOptions } from '../support/pubsub-fake';
import { pubSubEmulatorSkipReason, startPubSubEmulator } from '../support/pubsub-emulator';
import { countCommentCreations, overlappingLatency, summarise } from '../support/racing-processes';
import { testPrivateKey } from '../support/test-octokit';
import { forwardedIssue, PROJECT, startStack, waitUntil, type Stack } from './harness';

const REPO = 'acme/widgets';
const ISSUES = 6;
const DELIVERIES = 10;
/** Comment creations per issue and messages handled per pod, by case: reported after the suite. */
const distribution: Record<string, { counts: number[]; perPod: number[] }> = {};

afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  const lines = Object.entries(distribution).map(([name, { counts, perPod }]) => {
    const { max, mean } = summarise(counts);
    const pods = `messages handled per pod ${JSON.stringify(perPod)}`;
    return `${name}: creations per issue ${JSON.stringify(counts)} (max ${max}, mean ${mean.toFixed(2)}); ${pods}`;
  });
  console.info(`comment creations, ${DELIVERIES} forwarded deliveries per issue, two worker pods\n${lines.join('\n')}`);
});

/** A pod of its own: its own Octokit factory (throttle state, token cache), as shipped. */
async function startPod(stack: Stack): Promise<void> {
  const factory = createOctokitFactory({
    appId: String(stack.github.appId),
    privateKey: testPrivateKey(),
    baseUrl: stack.github.url,
  });
  await stack.startWorker(
    {},
    { installationClient: async (id) => (await factory.installation(id)) as unknown as CountableClient },
  );
}

/** Ten Lambda instances per issue, all issues at once: each forwards one delivery with its own Pub/Sub client. */
async function forwardRacingDeliveries(stack: Stack, host: string): Promise<void> {
  const [owner, name] = REPO.split('/') as [string, string];
  const publishers: PubSubPublisher[] = [];
  await Promise.all(
    Array.from({ length: ISSUES * DELIVERIES }, async (_, i) => {
      const publisher = new PubSubPublisher({ topic: stack.topic.name, projectId: PROJECT, apiEndpoint: host });
      publishers.push(publisher);
      await publisher.publish(forwardedIssue(owner, name, (i % ISSUES) + 1));
    }),
  );
  await Promise.all(publishers.map((p) => p.close()));
}

async function race(host: string, messageOrdering: boolean): Promise<{ counts: number[]; perPod: number[] }> {
  const stack = await startStack(host, { messageOrdering });
  try {
    const gh = stack.github;
    stack.addRepo(REPO);
    gh.store.ensureLabel(gh.repo(REPO), 'bug');
    for (let n = 1; n <= ISSUES; n++) stack.addIssue(REPO, n, 'App crashes on start');
    const creations = countCommentCreations(gh);
    overlappingLatency(gh);
    await startPod(stack);
    await startPod(stack);
    // Both pods connected before the deliveries arrive, so both can get issues.
    for (const w of stack.workers) {
      while (!(await w.ready()).ok) await new Promise((r) => setTimeout(r, 50));
    }
    const perPod = stack.workers.map(() => 0);
    const keys = new Set<string | undefined>();
    stack.workers.forEach((w, i) =>
      w.onResult((r) => {
        keys.add(r.orderingKey);
        if (r.action === 'ack') perPod[i]!++;
      }),
    );
    await forwardRacingDeliveries(stack, host);
    const acked = () => perPod.reduce((a, b) => a + b, 0);
    await waitUntil(() => acked() === ISSUES * DELIVERIES, 90_000, 'all acked');
    // The `message handled` line names the key each message came with.
    expect([...keys].sort()).toEqual(Array.from({ length: ISSUES }, (_, i) => `${REPO}#${i + 1}`).sort());
    const counts: number[] = [];
    for (let n = 1; n <= ISSUES; n++) {
      expect(gh.issue(REPO, n).labels).toEqual(['bug']);
      expect(gh.botComments(REPO, n)).toHaveLength(1);
      counts.push(creations(REPO, n));
    }
    return { counts, perPod };
  } finally {
    await stack.close();
  }
}

function cases(label: string, start: () => Promise<{ host: string; stop(): Promise<void> }>, skip: string | null) {
  describe.skipIf(skip !== null)(`${label}${skip ? ` (SKIPPED: ${skip})` : ''}`, () => {
    it(
      'ordered subscription: each issue labeled, one comment, created exactly once',
      { timeout: 120_000 },
      async () => {
        const backend = await start();
        try {
          const { counts, perPod } = await race(backend.host, true);
          distribution[`${label}, ordered`] = { counts, perPod };
          expect(counts).toEqual(counts.map(() => 1));
          expect(perPod.every((handled) => handled > 0)).toBe(true);
        } finally {
          await backend.stop();
        }
      },
    );

    it('control, no message ordering: the pods race; one comment survives', { timeout: 120_000 }, async () => {
      const backend = await start();
      try {
        const { counts, perPod } = await race(backend.host, false);
        distribution[`${label}, control (no ordering)`] = { counts, perPod };
        // Timing-dependent: two pods that both hold one issue's messages each create the comment once.
        expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
      } finally {
        await backend.stop();
      }
    });
  });
}

const fake = (options: PubSubFakeOptions) => () => startPubSubFake(options);
cases('Pub/Sub fake', fake({}), null);
// What the service documents, no more: a key's next message may come before the previous one's ack, but only to the
// client that holds the key; the pod's issue lock then runs them one after another.
cases('Pub/Sub fake, next message not held for the ack', fake({ orderingHoldsNextMessage: false }), null);
cases(
  'official Pub/Sub emulator',
  async () => {
    const started = await startPubSubEmulator();
    if (!started.emulator) throw new Error(started.skip);
    return started.emulator;
  },
  pubSubEmulatorSkipReason(),
);
