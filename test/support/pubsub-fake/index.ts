/**
 * In-process Pub/Sub fake: a real gRPC server speaking google.pubsub.v1 from the protos that ship with
 * @google-cloud/pubsub, so the real client (StreamingPull, unary Acknowledge/ModifyAckDeadline, lease
 * management) talks to it exactly as it would to the service or the official emulator.
 *
 * Implements only what label-bot uses: topics, subscriptions (ack deadline, dead-letter policy, retry policy, message
 * ordering: ordering.ts), Publish, StreamingPull, Acknowledge, ModifyAckDeadline, redelivery after nack / deadline
 * expiry and dead-lettering after `max_delivery_attempts`. Everything else answers UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { createOrdering, forgetStream, requeue as requeueEntry, settle, takeForStream } from './ordering';
import {
  addUnimplemented,
  durationMs,
  grpcError,
  loadPubSubProto,
  receivedMessage,
  waitForState,
  type DeadLetterPolicy,
  type FakeMessage,
  type Lease,
  type PubSubFake,
  type PubSubFakeOptions,
  type PublishFault,
  type RetryPolicy,
  type StreamingPullRequest,
  type StreamState,
  type SubscriptionState,
} from './types';

export type { FakeMessage, PubSubFake, PubSubFakeOptions, PublishFault } from './types';

export async function startPubSubFake(options: PubSubFakeOptions = {}): Promise<PubSubFake> {
  const maxNackBackoffMs = options.maxNackBackoffMs ?? 0;
  const deadlineScale = options.deadlineScale ?? 1;
  const orderingHoldsNextMessage = options.orderingHoldsNextMessage ?? true;
  const publishFaults: PublishFault[] = [];
  const proto = loadPubSubProto();
  const v1 = (proto.google as grpc.GrpcObject).pubsub as grpc.GrpcObject;
  const pkg = v1.v1 as grpc.GrpcObject;
  const Publisher = pkg.Publisher as grpc.ServiceClientConstructor;
  const Subscriber = pkg.Subscriber as grpc.ServiceClientConstructor;

  const topics = new Map<string, { name: string; published: FakeMessage[] }>();
  const subscriptions = new Map<string, SubscriptionState>();
  let nextMessageId = 1;
  let nextAckId = 1;
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...waiters]) w();
  };

  const topicName = (name: string): string => (name.includes('/') ? name : `projects/fake-project/topics/${name}`);
  const findTopic = (name: string) =>
    topics.get(name) ?? [...topics.values()].find((t) => t.name.endsWith(`/topics/${name}`));
  const findSub = (name: string): SubscriptionState | undefined =>
    subscriptions.get(name) ?? [...subscriptions.values()].find((s) => s.name.endsWith(`/subscriptions/${name}`));

  const subscriptionView = (s: SubscriptionState) => ({
    name: s.name,
    topic: s.topic,
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    deadLetterPolicy: s.deadLetterPolicy,
    retryPolicy: s.retryPolicy,
    enableMessageOrdering: s.ordering !== null,
  });

  const enqueue = (topic: string, message: FakeMessage): void => {
    for (const sub of subscriptions.values()) {
      if (sub.topic !== topic) continue;
      sub.backlog.push({ message, attempts: 0 });
      dispatch(sub);
    }
  };

  const publishTo = (topic: string, data: Buffer, attributes: Record<string, string>, orderingKey = ''): string => {
    const t = topics.get(topic);
    if (!t) throw grpcError(grpc.status.NOT_FOUND, `Topic not found: ${topic}`);
    const message: FakeMessage = {
      messageId: String(nextMessageId++),
      data,
      attributes,
      orderingKey,
      publishTime: new Date(),
    };
    t.published.push(message);
    enqueue(topic, message);
    changed();
    return message.messageId;
  };

  /** Ends a lease without ack: the message goes back to the backlog, or to the dead-letter topic. */
  const release = (sub: SubscriptionState, lease: Lease, reason: 'nack' | 'expired'): void => {
    clearTimeout(lease.timer);
    sub.outstanding.delete(lease.ackId);
    lease.stream?.leased.delete(lease.ackId);
    if (reason === 'nack') sub.nacks++;
    else sub.expiries++;
    const dlp = sub.deadLetterPolicy;
    if (dlp && lease.attempts >= dlp.maxDeliveryAttempts && topics.has(dlp.deadLetterTopic)) {
      settle(sub, lease);
      // Like the service: the dead-lettered copy carries the source subscription and attempt count.
      publishTo(dlp.deadLetterTopic, lease.message.data, {
        ...lease.message.attributes,
        CloudPubSubDeadLetterSourceSubscription: sub.name.split('/').pop() ?? sub.name,
        CloudPubSubDeadLetterSourceDeliveryCount: String(lease.attempts),
      });
      dispatch(sub);
      changed();
      return;
    }
    const backoff = reason === 'nack' ? Math.min(maxNackBackoffMs, durationMs(sub.retryPolicy?.minimumBackoff)) : 0;
    const requeue = (): void => {
      if (backoff > 0) sub.backingOff--;
      if (!subscriptions.has(sub.name)) return;
      requeueEntry(sub, { message: lease.message, attempts: lease.attempts });
      dispatch(sub);
      changed();
    };
    if (backoff > 0) {
      sub.backingOff++;
      setTimeout(requeue, backoff).unref();
    } else requeue();
    changed();
  };

  const setDeadline = (sub: SubscriptionState, lease: Lease, seconds: number): void => {
    clearTimeout(lease.timer);
    if (seconds <= 0) {
      release(sub, lease, 'nack');
      return;
    }
    lease.timer = setTimeout(
      () => {
        if (sub.outstanding.get(lease.ackId) === lease) release(sub, lease, 'expired');
      },
      seconds * 1000 * deadlineScale,
    );
    lease.timer.unref();
  };

  const dispatch = (sub: SubscriptionState): void => {
    for (const stream of sub.streams) {
      const batch: unknown[] = [];
      const room = stream.maxOutstandingMessages <= 0 ? Infinity : stream.maxOutstandingMessages - stream.leased.size;
      for (const next of room > 0 ? takeForStream(sub, stream, room) : []) {
        const attempts = next.attempts + 1;
        const ackId = `${sub.name.split('/').pop()}-${next.message.messageId}-${attempts}-${nextAckId++}`;
        const lease: Lease = {
          ackId,
          message: next.message,
          attempts,
          stream,
          timer: setTimeout(() => undefined, 0),
        };
        sub.outstanding.set(ackId, lease);
        stream.leased.add(ackId);
        sub.deliveries.set(next.message.messageId, (sub.deliveries.get(next.message.messageId) ?? 0) + 1);
        setDeadline(sub, lease, stream.streamAckDeadlineSeconds || sub.ackDeadlineSeconds);
        batch.push(receivedMessage(ackId, next.message, sub.deadLetterPolicy ? attempts : 0));
      }
      if (batch.length > 0) {
        const subscriptionProperties = { messageOrderingEnabled: sub.ordering !== null };
        stream.call.write({ receivedMessages: batch, subscriptionProperties });
      }
    }
  };

  const ack = (sub: SubscriptionState, ackIds: string[]): void => {
    for (const id of ackIds) {
      const lease = sub.outstanding.get(id);
      if (!lease) continue;
      clearTimeout(lease.timer);
      sub.outstanding.delete(id);
      lease.stream?.leased.delete(id);
      settle(sub, lease);
      sub.acked.push(lease.message);
    }
    dispatch(sub);
    changed();
  };

  const modify = (sub: SubscriptionState, ackIds: string[], seconds: number[] | number): void => {
    ackIds.forEach((id, i) => {
      const lease = sub.outstanding.get(id);
      if (!lease) return;
      const s = Array.isArray(seconds) ? (seconds[i] ?? 0) : seconds;
      setDeadline(sub, lease, s);
    });
    dispatch(sub);
  };

  type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;
  const unary =
    <Req, Res>(fn: (req: Req) => Res): Unary<Req, Res> =>
    (call, callback) => {
      try {
        callback(null, fn(call.request));
      } catch (err) {
        callback(err as grpc.ServiceError);
      }
    };

  const server = new grpc.Server();

  const publisherImpl: grpc.UntypedServiceImplementation = {
    createTopic: unary((req: { name: string }) => {
      if (topics.has(req.name)) throw grpcError(grpc.status.ALREADY_EXISTS, 'Topic already exists');
      topics.set(req.name, { name: req.name, published: [] });
      return { name: req.name };
    }),
    getTopic: unary((req: { topic: string }) => {
      if (!topics.has(req.topic)) throw grpcError(grpc.status.NOT_FOUND, 'Topic not found');
      return { name: req.topic };
    }),
    deleteTopic: unary((req: { topic: string }) => {
      if (!topics.delete(req.topic)) throw grpcError(grpc.status.NOT_FOUND, 'Topic not found');
      return {};
    }),
    publish: (
      call: grpc.ServerUnaryCall<
        { topic: string; messages: { data: Buffer; attributes: Record<string, string>; orderingKey: string }[] },
        unknown
      >,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const fault = publishFaults.shift();
      const answer = (): void => {
        if (fault?.code !== undefined) return callback(grpcError(fault.code, 'injected publish fault'));
        const { topic, messages } = call.request;
        unary(() => ({
          messageIds: messages.map((m) => publishTo(topic, Buffer.from(m.data), { ...m.attributes }, m.orderingKey)),
        }))(call, callback);
      };
      if (fault?.delayMs) setTimeout(answer, fault.delayMs).unref();
      else answer();
    },
  };
  addUnimplemented(publisherImpl, 'publisher');

  const subscriberImpl: grpc.UntypedServiceImplementation = {
    createSubscription: unary(
      (req: {
        name: string;
        topic: string;
        ackDeadlineSeconds: number;
        deadLetterPolicy: DeadLetterPolicy | null;
        retryPolicy: RetryPolicy | null;
        enableMessageOrdering: boolean;
      }) => {
        if (subscriptions.has(req.name)) throw grpcError(grpc.status.ALREADY_EXISTS, 'Subscription already exists');
        if (!topics.has(req.topic)) throw grpcError(grpc.status.NOT_FOUND, `Topic not found: ${req.topic}`);
        const dlp = req.deadLetterPolicy && req.deadLetterPolicy.deadLetterTopic ? req.deadLetterPolicy : null;
        if (dlp && !topics.has(dlp.deadLetterTopic)) {
          throw grpcError(grpc.status.NOT_FOUND, `Dead-letter topic not found: ${dlp.deadLetterTopic}`);
        }
        const sub: SubscriptionState = {
          name: req.name,
          topic: req.topic,
          ackDeadlineSeconds: req.ackDeadlineSeconds || 10,
          // Like the service: 5 attempts unless said otherwise.
          deadLetterPolicy: dlp ? { ...dlp, maxDeliveryAttempts: dlp.maxDeliveryAttempts || 5 } : null,
          retryPolicy: req.retryPolicy ?? null,
          ordering: req.enableMessageOrdering ? createOrdering(orderingHoldsNextMessage) : null,
          backlog: [],
          outstanding: new Map(),
          streams: new Set(),
          acked: [],
          deliveries: new Map(),
          nacks: 0,
          expiries: 0,
          backingOff: 0,
        };
        subscriptions.set(req.name, sub);
        return subscriptionView(sub);
      },
    ),
    getSubscription: unary((req: { subscription: string }) => {
      const sub = subscriptions.get(req.subscription);
      if (!sub) throw grpcError(grpc.status.NOT_FOUND, 'Subscription not found');
      return subscriptionView(sub);
    }),
    deleteSubscription: unary((req: { subscription: string }) => {
      const sub = subscriptions.get(req.subscription);
      if (!sub) throw grpcError(grpc.status.NOT_FOUND, 'Subscription not found');
      for (const lease of sub.outstanding.values()) clearTimeout(lease.timer);
      for (const stream of sub.streams) stream.call.end();
      subscriptions.delete(req.subscription);
      return {};
    }),
    acknowledge: unary((req: { subscription: string; ackIds: string[] }) => {
      const sub = subscriptions.get(req.subscription);
      if (!sub) throw grpcError(grpc.status.NOT_FOUND, 'Subscription not found');
      ack(sub, req.ackIds);
      return {};
    }),
    modifyAckDeadline: unary((req: { subscription: string; ackIds: string[]; ackDeadlineSeconds: number }) => {
      const sub = subscriptions.get(req.subscription);
      if (!sub) throw grpcError(grpc.status.NOT_FOUND, 'Subscription not found');
      modify(sub, req.ackIds, req.ackDeadlineSeconds);
      return {};
    }),
    streamingPull: (call: grpc.ServerDuplexStream<StreamingPullRequest, unknown>) => {
      let stream: StreamState | null = null;
      const close = (): void => {
        if (!stream) return;
        // Leases survive the stream (as on the service): they expire or are acked/nacked by unary calls.
        for (const id of stream.leased) {
          const lease = stream.subscription.outstanding.get(id);
          if (lease) lease.stream = null;
        }
        const sub = stream.subscription;
        forgetStream(sub, stream);
        sub.streams.delete(stream);
        stream = null;
        // Keys this stream held may now go to another open stream.
        if (sub.ordering && subscriptions.has(sub.name)) dispatch(sub);
        changed();
      };
      call.on('data', (req: StreamingPullRequest) => {
        if (!stream) {
          const sub = subscriptions.get(req.subscription);
          if (!sub) {
            call.emit('error', grpcError(grpc.status.NOT_FOUND, `Subscription not found: ${req.subscription}`));
            return;
          }
          stream = {
            call,
            subscription: sub,
            maxOutstandingMessages: Number(req.maxOutstandingMessages ?? 0),
            streamAckDeadlineSeconds: req.streamAckDeadlineSeconds,
            leased: new Set(),
          };
          sub.streams.add(stream);
          changed();
        }
        const sub = stream.subscription;
        if (req.ackIds.length > 0) ack(sub, req.ackIds);
        if (req.modifyDeadlineAckIds.length > 0) modify(sub, req.modifyDeadlineAckIds, req.modifyDeadlineSeconds);
        dispatch(sub);
      });
      call.on('end', () => {
        close();
        call.end();
      });
      call.on('cancelled', close);
      call.on('error', close);
      call.on('close', close);
    },
  };
  addUnimplemented(subscriberImpl, 'subscriber');

  server.addService(Publisher.service, publisherImpl);
  server.addService(Subscriber.service, subscriberImpl);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });

  const requireSub = (name: string): SubscriptionState => {
    const sub = findSub(name);
    if (!sub) throw new Error(`pubsub-fake: no subscription ${name}`);
    return sub;
  };

  return {
    host: `127.0.0.1:${port}`,
    port,
    async stop() {
      for (const sub of subscriptions.values()) {
        for (const lease of sub.outstanding.values()) clearTimeout(lease.timer);
        for (const stream of sub.streams) stream.call.end();
      }
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Streams a client never half-closes would keep tryShutdown waiting.
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500).unref();
      });
    },
    published: (topic) => findTopic(topic)?.published ?? findTopic(topicName(topic))?.published ?? [],
    acked: (name) => requireSub(name).acked,
    deliveries: (name) => requireSub(name).deliveries,
    pending: (name) => {
      const sub = requireSub(name);
      return sub.backlog.length + sub.outstanding.size + sub.backingOff;
    },
    leased: (name) => requireSub(name).outstanding.size,
    nacks: (name) => requireSub(name).nacks,
    expiries: (name) => requireSub(name).expiries,
    openStreams: (name) => requireSub(name).streams.size,
    publishFault: (fault) => void publishFaults.push(fault),
    waitFor: (predicate, timeoutMs) => waitForState(waiters, predicate, timeoutMs),
  };
}
