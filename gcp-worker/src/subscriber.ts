/**
 * The subscriber: flow control, then `on('message')` and `on('error')`. Each message goes through processMessage,
 * which says ack or nack; this file only does what it says, counts what is in flight, and records the result.
 * Readiness, reopening and shutdown live beside it (readiness.ts, reopen-on-close.ts, shutdown.ts).
 */
import { Duration, type Message, type PubSub, type Subscription, type SubscriberOptions } from '@google-cloud/pubsub';
import type { Logger } from '../../src/log/logger';
import { KeyedLock } from '../../src/github/keyed-lock';
import type { WorkerMetrics } from './metrics';
import { processMessage, type ProcessDeps, type ProcessResult } from './process-message';
import { DEFAULT_ACK_BATCH_MS, type WorkerSettings } from './settings';

type HandledResult = ProcessResult & { latencyMs: number };

export interface Subscriber {
  subscription: Subscription;
  inFlight(): number;
  /** From now on, messages that arrive are not started; close() nacks them so another pod gets them promptly. */
  stopTaking(): void;
  stopping(): boolean;
  /** Not started because they arrived after stopTaking(). */
  notStarted(): number;
  /** Resolves when nothing is in flight (at once if nothing is). */
  idle(): Promise<void>;
}

export type SubscriberDeps = Omit<ProcessDeps, 'issueLock' | 'maxDeliveryAttempts' | 'settleMs'>;

function subscriptionOptions(settings: WorkerSettings): SubscriberOptions {
  return {
    // Bounded concurrency: at most `concurrency` messages leased and in the handler at once (KLM had 1).
    flowControl: { maxMessages: settings.concurrency, allowExcessMessages: false },
    // Lease management: the client keeps extending deadlines of in-flight messages up to this long.
    maxExtensionTime: Duration.from({ minutes: settings.maxLeaseMinutes }),
    // Acks (and lease modacks) leave after at most this delay; see DEFAULT_ACK_BATCH_MS for why it is short.
    batching: { maxMilliseconds: settings.ackBatchMs ?? DEFAULT_ACK_BATCH_MS },
    // Shutdown drains our handlers itself first; close() then nacks whatever was received but never started
    // (the client's WAIT mode would wait the full timeout for messages held back by flow control).
    closeOptions: { behavior: 'NACK', timeout: Duration.from({ seconds: 5 }) },
    streamingOptions: { maxStreams: 1 },
  };
}

export function subscribe(pubsub: PubSub, settings: WorkerSettings, deps: SubscriberDeps): Subscriber {
  const subscription = pubsub.subscription(settings.subscription, subscriptionOptions(settings));
  const processDeps: ProcessDeps = {
    ...deps,
    maxDeliveryAttempts: settings.maxDeliveryAttempts,
    issueLock: new KeyedLock(),
    settleMs: settings.racerSettleMs,
  };
  const { metrics, log } = deps;
  const idleWaiters = new Set<() => void>();
  let inFlight = 0;
  let stopping = false;
  let notStarted = 0;

  const handle = async (message: Message): Promise<void> => {
    if (stopping) return void notStarted++;
    inFlight++;
    metrics.inFlight.inc();
    const started = Date.now();
    try {
      const result = await processMessage(message, processDeps);
      if (result.action === 'ack') message.ack();
      else message.nack();
      recordResult(message, { ...result, latencyMs: Date.now() - started }, metrics, log);
    } catch (err) {
      // processMessage never throws by contract; if it does, let Pub/Sub retry rather than lose the message.
      message.nack();
      metrics.messages.inc({ outcome: 'transient_error', action: 'nack' });
      log.error({ message_id: message.id, err: (err as Error).message }, 'unexpected error handling message; nacked');
    } finally {
      inFlight--;
      metrics.inFlight.dec();
      if (inFlight === 0) for (const w of [...idleWaiters]) w();
    }
  };

  subscription.on('message', (message: Message) => void handle(message));
  subscription.on('error', (err: Error) =>
    log.error({ err: err.message, subscription: settings.subscription }, 'subscriber stream error'),
  );
  subscription.on('debug', (msg: { message?: string }) => log.debug({ debug: msg.message }, 'subscriber debug'));

  return {
    subscription,
    inFlight: () => inFlight,
    stopTaking: () => void (stopping = true),
    stopping: () => stopping,
    notStarted: () => notStarted,
    idle: () =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = (): void => {
              idleWaiters.delete(done);
              resolve();
            };
            idleWaiters.add(done);
          }),
  };
}

/** One `message handled` line and the message metrics, per message (fields listed in docs/gcp.md). */
function recordResult(message: Message, r: HandledResult, metrics: WorkerMetrics, log: Logger): void {
  metrics.messages.inc({ outcome: r.outcome, action: r.action });
  metrics.latency.observe({ outcome: r.outcome }, r.latencyMs / 1000);
  log.info(
    {
      message_id: message.id,
      delivery_id: message.attributes.delivery_id,
      repo: message.attributes.repo,
      issue: message.attributes.issue,
      // Absent when the message came without one (an older frontend): such deliveries are not serialised by Pub/Sub.
      ordering_key: message.orderingKey || undefined,
      delivery_attempt: message.deliveryAttempt || undefined,
      model_version: r.modelVersion,
      labels: r.labels,
      github_calls: r.githubCalls,
      outcome: r.outcome,
      action: r.action,
      latency_ms: r.latencyMs,
    },
    'message handled',
  );
}
