/**
 * The Pub/Sub behaviours the worker relies on, proven with the real client against the in-process fake
 * AND the official emulator (when installed), so the fake is never the only witness.
 */
import { Duration, PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { pubSubEmulatorSkipReason, startPubSubEmulator, type PubSubEmulator } from '../support/pubsub-emulator';

const PROJECT = 'label-bot-test';

interface Backend {
  host: string;
  stop(): Promise<void>;
}

function waitUntil(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not reached'));
      setTimeout(tick, 25);
    };
    tick();
  });
}

function contract(label: string, start: () => Promise<Backend>): void {
  describe(label, () => {
    let backend: Backend;
    let client: PubSub;
    let n = 0;
    const unique = (p: string): string => `${p}-${Date.now()}-${n++}`;

    beforeAll(async () => {
      backend = await start();
      client = new PubSub({ apiEndpoint: backend.host, projectId: PROJECT });
    });
    afterAll(async () => {
      await client?.close();
      await backend?.stop();
    });

    it('publishes, streams, acks once', async () => {
      const [topic] = await client.createTopic(unique('t'));
      const [sub] = await topic.createSubscription(unique('s'), { ackDeadlineSeconds: 10 });
      const got: Message[] = [];
      sub.on('message', (m: Message) => {
        got.push(m);
        m.ack();
      });
      await topic.publishMessage({ data: Buffer.from('hello'), attributes: { repo: 'o/r' } });
      await waitUntil(() => got.length === 1);
      expect(got[0]?.data.toString()).toBe('hello');
      expect(got[0]?.attributes.repo).toBe('o/r');
      await sub.close();
    });

    it('redelivers a nacked message', async () => {
      const [topic] = await client.createTopic(unique('t'));
      const [sub] = await topic.createSubscription(unique('s'), { ackDeadlineSeconds: 10 });
      let calls = 0;
      let acked = false;
      sub.on('message', (m: Message) => {
        calls++;
        if (calls === 1) m.nack();
        else {
          m.ack();
          acked = true;
        }
      });
      await topic.publishMessage({ data: Buffer.from('again') });
      await waitUntil(() => acked);
      expect(calls).toBe(2);
      await sub.close();
    });

    it('counts delivery attempts and dead-letters after max attempts', async () => {
      const [topic] = await client.createTopic(unique('t'));
      const [dlq] = await client.createTopic(unique('dlq'));
      const [dlqSub] = await dlq.createSubscription(unique('dlqs'));
      const [sub] = await topic.createSubscription(unique('s'), {
        ackDeadlineSeconds: 10,
        deadLetterPolicy: { deadLetterTopic: dlq.name, maxDeliveryAttempts: 5 },
      });
      const attempts: number[] = [];
      sub.on('message', (m: Message) => {
        attempts.push(m.deliveryAttempt);
        m.nack();
      });
      const dead: Message[] = [];
      dlqSub.on('message', (m: Message) => {
        dead.push(m);
        m.ack();
      });
      await topic.publishMessage({ data: Buffer.from('poison') });
      await waitUntil(() => dead.length === 1, 45_000);
      expect(dead[0]?.data.toString()).toBe('poison');
      expect(attempts.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
      await sub.close();
      await dlqSub.close();
    });

    it('flow control: never more than maxMessages in the handler at once', async () => {
      const [topic] = await client.createTopic(unique('t'));
      const [sub] = await topic.createSubscription(unique('s'), { ackDeadlineSeconds: 10 });
      const subscriber = client.subscription(sub.name, { flowControl: { maxMessages: 2, allowExcessMessages: false } });
      let inFlight = 0;
      let peak = 0;
      let done = 0;
      subscriber.on('message', (m: Message) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight--;
          done++;
          m.ack();
        }, 30);
      });
      await Promise.all(Array.from({ length: 8 }, (_, i) => topic.publishMessage({ data: Buffer.from(String(i)) })));
      await waitUntil(() => done === 8);
      expect(peak).toBeLessThanOrEqual(2);
      expect(peak).toBeGreaterThan(0);
      await subscriber.close();
      await sub.close();
    });
  });
}

contract('Pub/Sub fake (real client over gRPC)', async () => {
  const fake: PubSubFake = await startPubSubFake();
  return fake;
});

const emulatorSkip = pubSubEmulatorSkipReason();
if (emulatorSkip) {
  describe.skip(`official Pub/Sub emulator: SKIPPED — ${emulatorSkip}`, () => {
    it('skipped', () => undefined);
  });
} else {
  contract('official Pub/Sub emulator (real client over gRPC)', async () => {
    const started = await startPubSubEmulator();
    if (!started.emulator) throw new Error(started.skip);
    const emu: PubSubEmulator = started.emulator;
    return emu;
  });
}

describe('Pub/Sub fake: deadline expiry', () => {
  it('redelivers a message whose lease ran out (no ack, no nack), counting the attempt', async () => {
    const fake = await startPubSubFake({ deadlineScale: 0.02 });
    const client = new PubSub({ apiEndpoint: fake.host, projectId: PROJECT });
    try {
      const [topic] = await client.createTopic('expiry');
      const [dlq] = await client.createTopic('expiry-dlq');
      await topic.createSubscription('expiry-sub', {
        deadLetterPolicy: { deadLetterTopic: dlq.name, maxDeliveryAttempts: 5 },
      });
      // Lease management off (no extension), so the deadline really passes.
      const first = client.subscription('expiry-sub', { maxExtensionTime: Duration.from({ seconds: 0 }) });
      const seen: number[] = [];
      first.on('message', (m: Message) => {
        seen.push(m.deliveryAttempt);
        if (seen.length === 2) m.ack();
      });
      await topic.publishMessage({ data: Buffer.from('slow') });
      await fake.waitFor(() => fake.acked('expiry-sub').length === 1);
      expect(seen).toEqual([1, 2]);
      expect(fake.expiries('expiry-sub')).toBe(1);
      expect(fake.nacks('expiry-sub')).toBe(0);
      await first.close();
    } finally {
      await client.close();
      await fake.stop();
    }
  });
});

describe('Pub/Sub fake: retry policy backoff', () => {
  it('holds a nacked message for the (capped) minimum backoff and still counts it as pending', async () => {
    const fake = await startPubSubFake({ maxNackBackoffMs: 300 });
    const client = new PubSub({ apiEndpoint: fake.host, projectId: PROJECT });
    try {
      const [topic] = await client.createTopic('backoff');
      const [sub] = await topic.createSubscription('backoff-sub', {
        retryPolicy: { minimumBackoff: { seconds: 10 }, maximumBackoff: { seconds: 600 } },
      });
      let calls = 0;
      sub.on('message', (m: Message) => {
        calls++;
        if (calls === 1) m.nack();
        else m.ack();
      });
      await topic.publishMessage({ data: Buffer.from('later') });
      await fake.waitFor(() => fake.nacks('backoff-sub') === 1);
      expect(fake.pending('backoff-sub')).toBe(1);
      expect(fake.leased('backoff-sub')).toBe(0);
      await fake.waitFor(() => fake.acked('backoff-sub').length === 1);
      expect(fake.pending('backoff-sub')).toBe(0);
      expect(calls).toBe(2);
      await sub.close();
    } finally {
      await client.close();
      await fake.stop();
    }
  });
});

describe('Pub/Sub fake inspection helpers', () => {
  it('exposes published, acked, deliveries and pending', async () => {
    const fake = await startPubSubFake();
    const client = new PubSub({ apiEndpoint: fake.host, projectId: PROJECT });
    try {
      const [topic] = await client.createTopic('inspect');
      const [sub] = await topic.createSubscription('inspect-sub');
      await topic.publishMessage({ data: Buffer.from('x') });
      expect(fake.published('inspect')).toHaveLength(1);
      expect(fake.pending('inspect-sub')).toBe(1);
      sub.on('message', (m: Message) => m.ack());
      await fake.waitFor(() => fake.acked('inspect-sub').length === 1);
      expect(fake.pending('inspect-sub')).toBe(0);
      expect(fake.deliveries('inspect-sub').get(fake.published('inspect')[0]!.messageId)).toBe(1);
      await sub.close();
    } finally {
      await client.close();
      await fake.stop();
    }
  });
});
