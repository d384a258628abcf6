/**
 * The Pub/Sub fake's state and public types, and the google.pubsub.v1 protos it serves (index.ts has the server,
 * ordering.ts the ordering-key delivery rules).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { OrderingState } from './ordering';

const require = createRequire(import.meta.url);

export interface Duration {
  seconds?: string | number;
  nanos?: number;
}

export interface DeadLetterPolicy {
  deadLetterTopic: string;
  maxDeliveryAttempts: number;
}

export interface RetryPolicy {
  minimumBackoff?: Duration | null;
  maximumBackoff?: Duration | null;
}

export interface FakeMessage {
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
  publishTime: Date;
}

export interface SubscriptionState {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  deadLetterPolicy: DeadLetterPolicy | null;
  retryPolicy: RetryPolicy | null;
  /** Set when created with `enableMessageOrdering`: per-key delivery rules (ordering.ts). */
  ordering: OrderingState | null;
  /** Messages ready to deliver, in order. */
  backlog: BacklogEntry[];
  /** Leased deliveries by ack id. */
  outstanding: Map<string, Lease>;
  streams: Set<StreamState>;
  acked: FakeMessage[];
  /** Delivery count per message id (survives redelivery). */
  deliveries: Map<string, number>;
  nacks: number;
  expiries: number;
  /** Nacked messages waiting out their retry backoff (still pending: neither acked nor dead-lettered). */
  backingOff: number;
}

export interface BacklogEntry {
  message: FakeMessage;
  attempts: number;
}

export interface Lease {
  ackId: string;
  message: FakeMessage;
  attempts: number;
  stream: StreamState | null;
  timer: NodeJS.Timeout;
}

export interface StreamState {
  call: grpc.ServerDuplexStream<StreamingPullRequest, unknown>;
  subscription: SubscriptionState;
  maxOutstandingMessages: number;
  streamAckDeadlineSeconds: number;
  leased: Set<string>;
}

export interface StreamingPullRequest {
  subscription: string;
  ackIds: string[];
  modifyDeadlineSeconds: number[];
  modifyDeadlineAckIds: string[];
  streamAckDeadlineSeconds: number;
  maxOutstandingMessages: string | number;
}

export interface PubSubFakeOptions {
  /**
   * Caps the retry-policy backoff applied after a nack, so a subscription copied from production settings
   * (10 s minimum backoff) does not slow a test down. Default 0: redeliver a nacked message at once.
   */
  maxNackBackoffMs?: number;
  /**
   * Multiplies every ack deadline, so deadline-expiry redelivery can be shown without waiting 10 s
   * (the client never asks for less than 10 s). Default 1.
   */
  deadlineScale?: number;
  /**
   * On a subscription with message ordering: whether a key's next message waits until the one before it is acked
   * (default true). `false` hands a key's messages to its stream in order without waiting, which is all the service
   * documents ("no guarantee that subsequent messages will be sent without the previous ones being acknowledged"),
   * so a test can show the worker stays correct under the weaker guarantee too.
   */
  orderingHoldsNextMessage?: boolean;
}

/** A one-shot answer to the next Publish call: wait `delayMs`, then fail with `code` (or succeed without one). */
export interface PublishFault {
  delayMs?: number;
  code?: grpc.status;
}

export interface PubSubFake {
  /** `127.0.0.1:PORT`, for `new PubSub({ apiEndpoint: host, projectId })` or PUBSUB_EMULATOR_HOST. */
  host: string;
  port: number;
  stop(): Promise<void>;
  /** Every message published to a topic (full name `projects/P/topics/T` or short name). */
  published(topic: string): FakeMessage[];
  /** Messages acknowledged on a subscription. */
  acked(subscription: string): FakeMessage[];
  /** Count of deliveries of each message id on a subscription. */
  deliveries(subscription: string): Map<string, number>;
  /** Number of messages neither acked nor dead-lettered yet (ready + leased). */
  pending(subscription: string): number;
  /** Number of messages currently leased to a client. */
  leased(subscription: string): number;
  nacks(subscription: string): number;
  /** Leases that ran out without ack or nack. */
  expiries(subscription: string): number;
  /** Number of open StreamingPull streams on a subscription. */
  openStreams(subscription: string): number;
  /** Queues a fault for the next Publish call (one per call, in order). */
  publishFault(fault: PublishFault): void;
  /** Resolves when `predicate` holds, polling on state changes; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

export function loadPubSubProto(): grpc.GrpcObject {
  const pubsubRoot = dirname(require.resolve('@google-cloud/pubsub/package.json'));
  // google-gax (a dependency of the client) ships the google/api and google/protobuf imports; it has no ./package.json export.
  const gaxMain = createRequire(join(pubsubRoot, 'package.json')).resolve('google-gax');
  const gaxRoot = gaxMain.slice(0, gaxMain.lastIndexOf('/build/'));
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [join(pubsubRoot, 'build/protos'), join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition);
}

export function durationMs(d: Duration | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

export function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/** A ReceivedMessage as StreamingPull sends it; `deliveryAttempt` 0 when the subscription has no dead-letter policy. */
export function receivedMessage(ackId: string, message: FakeMessage, deliveryAttempt: number): unknown {
  const ms = message.publishTime.getTime();
  return {
    ackId,
    message: {
      data: message.data,
      attributes: message.attributes,
      messageId: message.messageId,
      orderingKey: message.orderingKey,
      publishTime: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
    },
    // The service only reports attempts when a dead-letter policy exists; the client exposes it as deliveryAttempt.
    deliveryAttempt,
  };
}

const UNIMPLEMENTED = {
  publisher: ['updateTopic', 'listTopics', 'listTopicSubscriptions', 'listTopicSnapshots', 'detachSubscription'],
  subscriber: [
    'updateSubscription',
    'listSubscriptions',
    'pull',
    'modifyPushConfig',
    'getSnapshot',
    'listSnapshots',
    'createSnapshot',
    'updateSnapshot',
    'deleteSnapshot',
    'seek',
  ],
};

/** The methods the fake leaves out answer UNIMPLEMENTED, so a client that starts using one fails loudly. */
export function addUnimplemented(impl: grpc.UntypedServiceImplementation, service: keyof typeof UNIMPLEMENTED): void {
  for (const name of UNIMPLEMENTED[service]) {
    impl[name] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback(grpcError(grpc.status.UNIMPLEMENTED, `${name} is not implemented by the Pub/Sub fake`));
  }
}

/** Resolves when `predicate` holds, checked on every state change (`waiters`) and every 50 ms. */
export function waitForState(waiters: Set<() => void>, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (predicate()) return resolve();
    const check = (): void => {
      if (predicate()) {
        cleanup();
        resolve();
      }
    };
    // Polling too: some conditions (e.g. a requeue after backoff) change outside a tracked event.
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('pubsub-fake: condition not reached in time'));
    }, timeoutMs);
    const cleanup = (): void => {
      clearInterval(poll);
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
  });
}
