/**
 * The publisher's ordering key (issue #19: one issue's racing deliveries, forwarded by separate Lambda instances,
 * share a key so an ordered subscription serialises them), and a key that keeps working after a failed publish, with
 * the real @google-cloud/pubsub client over gRPC against the in-process fake.
 */
import * as grpc from '@grpc/grpc-js';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInvocationDeadline } from '../../src/github/invocation-deadline';
import { orderingKey } from '../../src/pubsub/message';
import { buildForwardedIssue, publisherFromEnv, PubSubPublisher } from '../../src/pubsub/publisher';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { issuesPayload } from '../bots/app-harness';

const project = 'label-bot-test';
let fake: PubSubFake;
let admin: PubSub;
let n = 0;

const message = (repo = 'Octo/Widgets', number = 7) =>
  buildForwardedIssue(
    issuesPayload({ repo, number }),
    `d-${n++}`,
    { ratio: 1, bucket: 0.5, mode: 'active' },
    new Date(),
  );
const publisher = (timeoutMs = 3_000) =>
  new PubSubPublisher({ topic: 'issues', projectId: project, apiEndpoint: fake.host, timeoutMs });
const published = () => fake.published(`projects/${project}/topics/issues`);

beforeAll(async () => {
  fake = await startPubSubFake();
  admin = new PubSub({ apiEndpoint: fake.host, projectId: project });
  await admin.createTopic('issues');
});
afterAll(async () => {
  await admin?.close();
  await fake?.stop();
});

describe('ordering key', () => {
  it('is owner/repo#number, lower-cased, the same for every delivery of the issue', () => {
    expect(orderingKey(message())).toBe('octo/widgets#7');
    expect(orderingKey(message('octo/widgets', 7))).toBe(orderingKey(message()));
    expect(orderingKey(message('octo/widgets', 8))).toBe('octo/widgets#8');
  });

  it('rides on every forwarded message', async () => {
    const p = publisher();
    const before = published().length;
    await Promise.all([p.publish(message()), p.publish(message('octo/gadgets', 3))]);
    await p.close();
    expect(
      published()
        .slice(before)
        .map((m) => m.orderingKey)
        .sort(),
    ).toEqual(['octo/gadgets#3', 'octo/widgets#7']);
  });

  it('goes to the endpoint PUBSUB_API_ENDPOINT names (a regional one keeps one issue in one region)', async () => {
    const p = publisherFromEnv({ PUBSUB_TOPIC: 'issues', GCP_PROJECT: project, PUBSUB_API_ENDPOINT: fake.host })!;
    const before = published().length;
    await p.publish(message('octo/regional', 1));
    await p.close();
    expect(
      published()
        .slice(before)
        .map((m) => m.orderingKey),
    ).toEqual(['octo/regional#1']);
  });
});

describe('after a failed publish, the same issue can be forwarded again by the same (warm) client', () => {
  it('a publish the service refused', async () => {
    const p = publisher();
    fake.publishFault({ code: grpc.status.PERMISSION_DENIED });
    await expect(p.publish(message())).rejects.toThrow(/PERMISSION_DENIED|injected/);
    const again = message();
    const id = await p.publish(again);
    await p.close();
    expect(published().find((m) => m.messageId === id)?.attributes.delivery_id).toBe(again.delivery_id);
  });

  it('a publish our own deadline gave up on while the client still waited for it', { timeout: 20_000 }, async () => {
    const p = publisher();
    // The first publish answers after 1.5 s; the invocation leaves it 0.4 s.
    fake.publishFault({ delayMs: 1_500 });
    await expect(
      withInvocationDeadline({ remainingMs: 700, reserveMs: 0 }, () => p.publish(message())),
    ).rejects.toThrow(/timed out/);
    // The next invocation, same issue, 0.4 s again: must not queue behind the answer still outstanding.
    const again = message();
    const started = Date.now();
    const id = await withInvocationDeadline({ remainingMs: 700, reserveMs: 0 }, () => p.publish(again));
    expect(Date.now() - started).toBeLessThan(400);
    expect(published().find((m) => m.messageId === id)?.attributes.delivery_id).toBe(again.delivery_id);
    await p.close();
  });
});
