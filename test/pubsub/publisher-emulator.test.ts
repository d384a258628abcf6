/**
 * The publisher against Google's official Pub/Sub emulator (skipped with a reason when it is not installed), so the
 * in-process fake is not the only witness: data, attributes, and the missing-topic failure the app falls back on.
 */
import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardedIssueSchema } from '../../src/pubsub/message';
import { buildForwardedIssue, PubSubPublisher } from '../../src/pubsub/publisher';
import { pubSubEmulatorSkipReason, startPubSubEmulator, type PubSubEmulator } from '../support/pubsub-emulator';
import { issuesPayload } from '../bots/app-harness';

const skip = pubSubEmulatorSkipReason();
const project = 'label-bot-frontend';

describe.skipIf(skip !== null)(`publisher vs the official Pub/Sub emulator${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let emulator: PubSubEmulator;
  let client: PubSub;

  beforeAll(async () => {
    const started = await startPubSubEmulator();
    if (!started.emulator) throw new Error(started.skip);
    emulator = started.emulator;
    client = new PubSub({ apiEndpoint: emulator.host, projectId: project });
    const [topic] = await client.createTopic('issues');
    await topic.createSubscription('issues-sub');
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await emulator?.stop();
  });

  it('publishes the v1 message with repo/issue/delivery_id attributes', async () => {
    const publisher = new PubSubPublisher({ topic: 'issues', projectId: project, apiEndpoint: emulator.host });
    const sent = buildForwardedIssue(
      issuesPayload({ number: 77 }),
      'emu-1',
      { ratio: 0.2, bucket: 0.05, mode: 'active' },
      new Date(),
    );
    const id = await publisher.publish(sent);
    expect(id).toMatch(/\d+/);
    await publisher.close();

    const received = await new Promise<Message>((resolve, reject) => {
      const sub = client.subscription('issues-sub');
      const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      sub.once('message', (m: Message) => {
        clearTimeout(timer);
        m.ack();
        void sub.close().then(() => resolve(m));
      });
    });
    expect(received.attributes).toMatchObject({ repo: 'octo/widgets', issue: '77', delivery_id: 'emu-1' });
    expect(forwardedIssueSchema.parse(JSON.parse(received.data.toString('utf8')))).toEqual(sent);
  });

  it('rejects a publish to a missing topic (the app then labels with the universal model)', async () => {
    const publisher = new PubSubPublisher({
      topic: 'missing',
      projectId: project,
      apiEndpoint: emulator.host,
      timeoutMs: 5_000,
    });
    const msg = buildForwardedIssue(
      issuesPayload({ number: 78 }),
      'emu-2',
      { ratio: 1, bucket: 0.5, mode: 'active' },
      new Date(),
    );
    await expect(publisher.publish(msg)).rejects.toThrow();
    await publisher.close();
  });
});
