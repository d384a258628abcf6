import { Duration, PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import type { Classifier } from '../../src/ml/types';
import { createLogger, type Logger } from '../../src/log/logger';
import { GcsModelStore, ModelRegistry, type ArtifactLoader } from '../../src/registry';
import { KeyedLock } from '../../src/github/keyed-lock';
import { startHealthServer, type HealthServer } from './http';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { processMessage, type CountableClient, type ProcessResult } from './process-message';
import { DEFAULT_ACK_BATCH_MS, type WorkerSettings } from './settings';

export interface WorkerOptions {
  settings: WorkerSettings;
  /** Turns GCS artifacts into a classifier (the ML core's `classifierFromArtifacts`). */
  loader: ArtifactLoader;
  /** Installation-authenticated GitHub client for an installation id (token caching is the factory's job). */
  installationClient(installationId: number): Promise<CountableClient>;
  /** Loads the model baked into the image; used only when GCS has nothing usable. */
  bundledModel?: () => Promise<Classifier>;
  /** Injected clients (tests pass clients pointed at the fake/emulator/stand-in; production builds its own). */
  pubsub?: PubSub;
  storage?: Storage;
  registry?: ModelRegistry;
  log?: Logger;
  /** Collect Node default metrics (off in tests that start many workers). Default true. */
  defaultMetrics?: boolean;
}

export interface RunningWorker {
  /** Port of the /healthz, /readyz, /metrics server. */
  port: number;
  metrics: WorkerMetrics;
  registry: ModelRegistry;
  subscription: Subscription;
  inFlight(): number;
  ready(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  /** Every processed message's result, in completion order (for logs-free inspection in tests and the demo). */
  onResult(listener: (r: ProcessResult & { messageId: string; latencyMs: number }) => void): void;
  /** Stop pulling, finish in-flight messages (up to the grace period), flush acks, close. Idempotent. */
  stop(): Promise<void>;
}

const GRPC_READY = 2;

/** Connectivity of the subscriber's gRPC channel (READY while a StreamingPull is open). */
async function channelState(pubsub: PubSub): Promise<number | null> {
  try {
    const client = (await pubsub.getClientAsync_({ client: 'SubscriberClient' })) as unknown as {
      subscriberStub?: Promise<{ getChannel?: () => { getConnectivityState(tryConnect: boolean): number } }>;
    };
    const stub = await client.subscriberStub;
    return stub?.getChannel?.().getConnectivityState(true) ?? null;
  } catch {
    return null;
  }
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { settings } = opts;
  const log = opts.log ?? createLogger('worker');
  const ownsPubsub = !opts.pubsub;
  const pubsub =
    opts.pubsub ??
    new PubSub({
      ...(settings.projectId ? { projectId: settings.projectId } : {}),
      ...(settings.pubsubApiEndpoint ? { apiEndpoint: settings.pubsubApiEndpoint } : {}),
    });
  const storage = opts.storage ?? new Storage(settings.storageApiEndpoint ? { apiEndpoint: settings.storageApiEndpoint } : {});
  const registry =
    opts.registry ??
    new ModelRegistry({
      store: new GcsModelStore(storage, settings.bucket),
      loader: opts.loader,
      maxCacheBytes: settings.modelCacheMaxBytes,
      pointerTtlMs: settings.pointerTtlSeconds * 1000,
      badVersionTtlMs: settings.badVersionTtlSeconds * 1000,
      bundledFallback: opts.bundledModel,
      log: log.child({ component: 'registry' }),
    });
  const metrics = createWorkerMetrics(() => registry, opts.defaultMetrics ?? true);

  const subscription = pubsub.subscription(settings.subscription, {
    // Bounded concurrency: at most `concurrency` messages leased and in the handler at once (KLM had 1).
    flowControl: { maxMessages: settings.concurrency, allowExcessMessages: false },
    // Lease management: the client keeps extending deadlines of in-flight messages up to this long.
    maxExtensionTime: Duration.from({ minutes: settings.maxLeaseMinutes }),
    // Acks (and lease modacks) leave after at most this delay; see DEFAULT_ACK_BATCH_MS for why it is short.
    batching: { maxMilliseconds: settings.ackBatchMs ?? DEFAULT_ACK_BATCH_MS },
    // stop() drains our handlers itself first; close() then nacks whatever was received but never started
    // (the client's WAIT mode would wait the full timeout for messages held back by flow control).
    closeOptions: { behavior: 'NACK', timeout: Duration.from({ seconds: 5 }) },
    streamingOptions: { maxStreams: 1 },
  });

  const issueLock = new KeyedLock();
  let inFlight = 0;
  let stopping = false;
  let deferred = 0;
  let lastStreamError: { at: number; message: string } | null = null;
  const drainWaiters = new Set<() => void>();
  const resultListeners: ((r: ProcessResult & { messageId: string; latencyMs: number }) => void)[] = [];

  const handle = async (message: Message): Promise<void> => {
    if (stopping) {
      // Not started before the stop: leave it to close(), which nacks it once so another pod gets it promptly.
      deferred++;
      return;
    }
    inFlight++;
    metrics.inFlight.inc();
    const started = Date.now();
    try {
      const result = await processMessage(
        { id: message.id, data: message.data, attributes: message.attributes, deliveryAttempt: message.deliveryAttempt },
        {
          registry,
          installationClient: opts.installationClient,
          metrics,
          log,
          maxDeliveryAttempts: settings.maxDeliveryAttempts,
          issueLock,
        },
      );
      if (result.action === 'ack') message.ack();
      else message.nack();
      const latencyMs = Date.now() - started;
      metrics.messages.inc({ outcome: result.outcome, action: result.action });
      metrics.latency.observe({ outcome: result.outcome }, latencyMs / 1000);
      log.info(
        {
          message_id: message.id,
          delivery_id: message.attributes.delivery_id,
          repo: message.attributes.repo,
          issue: message.attributes.issue,
          delivery_attempt: message.deliveryAttempt || undefined,
          model_version: result.modelVersion,
          labels: result.labels,
          github_calls: result.githubCalls,
          outcome: result.outcome,
          action: result.action,
          latency_ms: latencyMs,
        },
        'message handled',
      );
      for (const l of resultListeners) l({ ...result, messageId: message.id, latencyMs });
    } catch (err) {
      // processMessage never throws by contract; if it does, let Pub/Sub retry rather than lose the message.
      message.nack();
      metrics.messages.inc({ outcome: 'transient_error', action: 'nack' });
      log.error({ message_id: message.id, err: (err as Error).message }, 'unexpected error handling message; nacked');
    } finally {
      inFlight--;
      metrics.inFlight.dec();
      if (inFlight === 0) for (const w of [...drainWaiters]) w();
    }
  };

  subscription.on('message', (message: Message) => void handle(message));
  subscription.on('error', (err: Error) => {
    lastStreamError = { at: Date.now(), message: err.message };
    log.error({ err: err.message, subscription: settings.subscription }, 'subscriber stream error');
  });
  subscription.on('debug', (msg: { message?: string }) => log.debug({ debug: msg.message }, 'subscriber debug'));
  // The client retries transient stream errors itself; a non-retryable one (subscription missing, permission denied)
  // closes the subscriber. Reopen with backoff so the pod recovers once the cause is fixed; /readyz says not ready
  // meanwhile, and the error is logged on every attempt.
  const initialReopenDelayMs = settings.reopenInitialDelayMs ?? 5_000;
  let reopenDelayMs = initialReopenDelayMs;
  let reopenTimer: NodeJS.Timeout | null = null;
  subscription.on('close', () => {
    if (stopping || reopenTimer) return;
    log.warn({ subscription: settings.subscription, retry_in_ms: reopenDelayMs }, 'subscriber closed unexpectedly; reopening');
    reopenTimer = setTimeout(() => {
      reopenTimer = null;
      if (stopping) return;
      subscription.open();
    }, reopenDelayMs);
    reopenTimer.unref();
    reopenDelayMs = Math.min(reopenDelayMs * 2, 60_000);
  });
  subscription.on('message', () => {
    reopenDelayMs = initialReopenDelayMs;
  });

  let readyCache: { at: number; model: boolean } | null = null;
  const ready = async (): Promise<{ ok: boolean; detail: Record<string, unknown> }> => {
    const state = await channelState(pubsub);
    const connected = !stopping && subscription.isOpen && (state === null ? true : state === GRPC_READY);
    const now = Date.now();
    if (!readyCache || now - readyCache.at > settings.readyCacheSeconds * 1000) {
      readyCache = { at: now, model: await registry.canLoadAny() };
    }
    const recentError = lastStreamError !== null && now - lastStreamError.at < 30_000;
    return {
      ok: connected && readyCache.model && !recentError,
      detail: {
        subscriber_connected: connected,
        channel_state: state,
        model_loadable: readyCache.model,
        stopping,
        ...(recentError && lastStreamError ? { last_stream_error: lastStreamError.message } : {}),
      },
    };
  };

  let health: HealthServer;
  try {
    health = await startHealthServer(settings.httpPort, settings.httpHost, { ready, metrics: metrics.registry });
  } catch (err) {
    await subscription.close();
    throw err;
  }
  log.info(
    { subscription: settings.subscription, concurrency: settings.concurrency, bucket: settings.bucket, http_port: health.port },
    'worker started',
  );

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      const graceMs = settings.shutdownGraceSeconds * 1000;
      log.info({ in_flight: inFlight, grace_seconds: settings.shutdownGraceSeconds }, 'stopping: no new messages, draining');
      // 1. Let in-flight messages finish (ack/nack) within the grace period; new arrivals are not started.
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          timer.unref();
          drainWaiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      // 2. Close the stream, nack what was received but not started, flush pending acks/nacks to Pub/Sub.
      //    Anything still running past the grace period is nacked too: redelivered, never lost (labeling is idempotent).
      await subscription.close();
      if (ownsPubsub) await pubsub.close();
      await health.close();
      log.info({ in_flight: inFlight, not_started: deferred }, 'worker stopped');
    })();
    return stopped;
  };

  return {
    port: health.port,
    metrics,
    registry,
    subscription,
    inFlight: () => inFlight,
    ready,
    onResult: (l) => resultListeners.push(l),
    stop,
  };
}
