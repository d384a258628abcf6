/**
 * Ordering keys on a subscription with message ordering, with the real client over gRPC: what the service guarantees
 * (a key's messages in publish order, all to the subscriber client that has the key) against the in-process fake AND
 * the official emulator when installed; then the fake's own rules (a key's next message waits for the ack of the one
 * before, a nack or an expired lease is redelivered first, subscriptions without the flag unchanged).
 */
import { Duration, PubSub, type Message, type Topic } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPubSubFake, type PubSubFake, type PubSubFakeOptions } from '../support/pubsub-fake';
import { pubSubEmulatorSkipReason, startPubSubEmulator } from '../support/pubsub-emulator';
import { waitUntil } from './harness';

const PROJECT = 'label-bot-test';
let n = 0;
const unique = (p: string): string => `${p}-${Date.now()}-${n++}`;

/** Publishes `perKey` messages for each key, each key's in order (the ordered publisher sends one batch at a time). */
async function publishKeys(topic: Topic, keys: string[], perKey: number): Promise<void> {
  await Promise.all(
    keys.map(async (orderingKey) => {
      for (let i = 0; i < perKey; i++) await topic.publishMessage({ data: Buffer.from(String(i)), orderingKey });
    }),
  );
}

interface Seen {
  subscriber: number;
  key: string;
  seq: number;
}

function record(seen: Seen[], subscriber: number) {
  return (m: Message): Seen => {
    const s = { subscriber, key: m.orderingKey ?? '', seq: Number(m.data.toString()) };
    seen.push(s);
    return s;
  };
}

describe.each([
  ['Pub/Sub fake', null],
  ['official Pub/Sub emulator', pubSubEmulatorSkipReason()],
] as const)('%s: ordering keys (real client over gRPC)', (label, skip) => {
  let host: string;
  let stop: () => Promise<void>;
  let admin: PubSub;
  beforeAll(async () => {
    if (skip) return;
    if (label === 'Pub/Sub fake') {
      const fake = await startPubSubFake();
      ({ host } = fake);
      stop = () => fake.stop();
    } else {
      const started = await startPubSubEmulator();
      if (!started.emulator) throw new Error(started.skip);
      const emulator = started.emulator;
      ({ host } = emulator);
      stop = () => emulator.stop();
    }
    admin = new PubSub({ apiEndpoint: host, projectId: PROJECT });
  }, 90_000);
  afterAll(async () => {
    await admin?.close();
    await stop?.();
  });

  // What the worker relies on: a key's messages in publish order, and never outstanding on two clients at once (the
  // service keeps a key on the client that holds one of its messages; with none outstanding, the next may go to
  // another client, which then reads what the acked one wrote). Held in the handler for 20 ms, then acked.
  it.skipIf(skip !== null)(
    `two subscriber clients: each key in publish order, never on both at once${skip ? ` (SKIPPED: ${skip})` : ''}`,
    { timeout: 60_000 },
    async () => {
      const [topic] = await admin.createTopic(unique('t'));
      const [sub] = await topic.createSubscription(unique('s'), {
        ackDeadlineSeconds: 10,
        enableMessageOrdering: true,
      });
      const pods = [0, 1].map(() => new PubSub({ apiEndpoint: host, projectId: PROJECT }));
      const seen: Seen[] = [];
      // Per key: how many of its messages each client holds (received, not yet acked).
      const holding = new Map<string, number[]>();
      let overlaps = 0;
      const subscribers = pods.map((pod, i) => {
        const s = pod.subscription(sub.name, { flowControl: { maxMessages: 4, allowExcessMessages: false } });
        const see = record(seen, i);
        s.on('message', (m: Message) => {
          const { key } = see(m);
          const held = holding.get(key) ?? [0, 0];
          holding.set(key, held);
          if (held[1 - i]! > 0) overlaps++;
          held[i]!++;
          setTimeout(() => {
            held[i]!--;
            m.ack();
          }, 20);
        });
        return s;
      });
      try {
        const keys = ['acme/a#1', 'acme/a#2', 'acme/b#1', 'acme/b#2', 'acme/c#1', 'acme/c#2'];
        await publishKeys(admin.topic(topic.name, { messageOrdering: true }), keys, 5);
        await waitUntil(() => keys.every((k) => seen.filter((s) => s.key === k).length >= 5), 45_000);
        for (const key of keys) expect(seen.filter((s) => s.key === key).map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
        expect(overlaps).toBe(0);
        const moved = keys.filter((k) => new Set(seen.filter((s) => s.key === k).map((s) => s.subscriber)).size > 1);
        console.info(`${label}: keys whose messages reached both clients (never at once): ${moved.length}/6`);
      } finally {
        await Promise.all(subscribers.map((s) => s.close()));
        await Promise.all(pods.map((p) => p.close()));
      }
    },
  );
});

describe('Pub/Sub fake: ordered delivery rules', () => {
  let fake: PubSubFake;
  let client: PubSub;
  const start = async (options: PubSubFakeOptions = {}): Promise<void> => {
    fake = await startPubSubFake(options);
    client = new PubSub({ apiEndpoint: fake.host, projectId: PROJECT });
  };
  const stopAll = async (): Promise<void> => {
    await client.close();
    await fake.stop();
  };
  const orderedTopic = async (ordered: boolean) => {
    const [topic] = await client.createTopic(unique('t'));
    const name = unique('s');
    await topic.createSubscription(name, { enableMessageOrdering: ordered });
    return { topic: client.topic(topic.name, { messageOrdering: true }), name };
  };

  it('hands out a key’s next message only after the one before it is acked; other keys go on', async () => {
    await start();
    try {
      const { topic, name } = await orderedTopic(true);
      const held: Message[] = [];
      const seen: Seen[] = [];
      const see = record(seen, 0);
      const sub = client.subscription(name);
      sub.on('message', (m: Message) => {
        see(m);
        held.push(m);
      });
      await publishKeys(topic, ['k'], 3);
      await topic.publishMessage({ data: Buffer.from('9'), orderingKey: 'other' });
      await waitUntil(() => seen.length === 2);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([
        { subscriber: 0, key: 'k', seq: 0 },
        { subscriber: 0, key: 'other', seq: 9 },
      ]);
      expect(fake.leased(name)).toBe(2);
      for (let i = 0; i < 3; i++) {
        held.find((m) => m.orderingKey === 'k' && Number(m.data.toString()) === i)!.ack();
        if (i < 2) await waitUntil(() => seen.filter((s) => s.key === 'k').length === i + 2);
      }
      expect(seen.filter((s) => s.key === 'k').map((s) => s.seq)).toEqual([0, 1, 2]);
      await sub.close();
    } finally {
      await stopAll();
    }
  });

  it('redelivers a nacked message before the later ones of its key', async () => {
    await start();
    try {
      const { topic, name } = await orderedTopic(true);
      const seen: Seen[] = [];
      const see = record(seen, 0);
      const sub = client.subscription(name);
      let nacked = false;
      sub.on('message', (m: Message) => {
        const s = see(m);
        if (s.seq === 1 && !nacked) {
          nacked = true;
          m.nack();
        } else m.ack();
      });
      await publishKeys(topic, ['k'], 4);
      await waitUntil(() => fake.acked(name).length === 4);
      expect(seen.map((s) => s.seq)).toEqual([0, 1, 1, 2, 3]);
      await sub.close();
    } finally {
      await stopAll();
    }
  });

  it('redelivers an expired lease before the later ones of its key', async () => {
    await start({ deadlineScale: 0.02 });
    try {
      const { topic, name } = await orderedTopic(true);
      const seen: Seen[] = [];
      const see = record(seen, 0);
      // Lease management off, so the first lease of message 0 really runs out.
      const sub = client.subscription(name, { maxExtensionTime: Duration.from({ seconds: 0 }) });
      sub.on('message', (m: Message) => {
        const s = see(m);
        if (s.seq !== 0 || seen.length > 1) m.ack();
      });
      await publishKeys(topic, ['k'], 3);
      await waitUntil(() => fake.acked(name).length === 3);
      expect(seen.map((s) => s.seq)).toEqual([0, 0, 1, 2]);
      expect(fake.expiries(name)).toBe(1);
      await sub.close();
    } finally {
      await stopAll();
    }
  });

  it('without the hold, a key’s messages go to its one stream in order without waiting for acks', async () => {
    await start({ orderingHoldsNextMessage: false });
    try {
      const { topic, name } = await orderedTopic(true);
      const seen: Seen[] = [];
      const subs = [0, 1].map((i) => {
        const s = client.subscription(name, { streamingOptions: { maxStreams: 1 } });
        const see = record(seen, i);
        s.on('message', (m: Message) => void see(m));
        return s;
      });
      await waitUntil(() => fake.openStreams(name) === 2);
      await publishKeys(topic, ['k'], 3);
      await waitUntil(() => seen.length === 3);
      expect(seen.map((s) => s.seq)).toEqual([0, 1, 2]);
      expect(new Set(seen.map((s) => s.subscriber)).size).toBe(1);
      expect(fake.leased(name)).toBe(3);
      await Promise.all(subs.map((s) => s.close()));
    } finally {
      await stopAll();
    }
  });

  it('a key moves to another open stream once the stream that had it closes', async () => {
    await start();
    try {
      const { topic, name } = await orderedTopic(true);
      const seen: Seen[] = [];
      const first = client.subscription(name, { streamingOptions: { maxStreams: 1 } });
      const see0 = record(seen, 0);
      first.on('message', (m: Message) => void see0(m)); // holds message 0, never acks
      await publishKeys(topic, ['k'], 3);
      await waitUntil(() => seen.length === 1);
      const second = client.subscription(name, { streamingOptions: { maxStreams: 1 } });
      const see1 = record(seen, 1);
      second.on('message', (m: Message) => {
        see1(m);
        m.ack();
      });
      await waitUntil(() => fake.openStreams(name) === 2);
      await first.close(); // its held message is released and goes first, to the stream still open
      await waitUntil(() => fake.acked(name).length === 3);
      expect(seen.map((s) => `${s.subscriber}:${s.seq}`)).toEqual(['0:0', '1:0', '1:1', '1:2']);
      await second.close();
    } finally {
      await stopAll();
    }
  });

  it('a subscription without message ordering hands out a key’s messages together, as before', async () => {
    await start();
    try {
      const { topic, name } = await orderedTopic(false);
      const seen: Seen[] = [];
      const see = record(seen, 0);
      const sub = client.subscription(name);
      sub.on('message', (m: Message) => void see(m));
      await publishKeys(topic, ['k'], 3);
      await waitUntil(() => seen.length === 3);
      expect(fake.leased(name)).toBe(3);
      await sub.close();
    } finally {
      await stopAll();
    }
  });
});
