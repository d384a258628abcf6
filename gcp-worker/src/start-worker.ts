/**
 * Composes one worker: clients, metrics, the subscriber, readiness, reopening, the health server and shutdown.
 * Each part lives in its own file; this one only connects them. The process entry is main.ts.
 */
import type { PubSub, Subscription } from '@google-cloud/pubsub';
import type { Storage } from '@google-cloud/storage';
import type { Classifier } from '../../src/ml/types';
import { createLogger, type Logger } from '../../src/log/logger';
import type { ArtifactLoader, ModelRegistry } from '../../src/registry';
import { pubsubFrom, registryFrom, storageFrom } from './clients';
import { startHealthServer, type HealthServer } from './health-server';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import type { CountableClient } from './process-message';
import { trackReadiness, type Readiness } from './readiness';
import { reopenOnClose } from './reopen-on-close';
import type { WorkerSettings } from './settings';
import { shutdownOnce } from './shutdown';
import { subscribe } from './subscriber';

/** The default first delay before reopening a closed subscriber (WORKER_REOPEN_DELAY_MS). */
const DEFAULT_REOPEN_DELAY_MS = 5_000;

export interface WorkerOptions {
  settings: WorkerSettings;
  /** Turns GCS artifacts into a classifier (the ML core's `classifierFromArtifacts`). */
  loader: ArtifactLoader;
  /** Installation-authenticated GitHub client for an installation id (token caching is the factory's job). */
  installationClient(installationId: number): Promise<CountableClient>;
  /** Loads the model baked into the image; used only when GCS has nothing usable. */
  bundledModel?: () => Promise<Classifier>;
  /** Clients to use instead of building them from the settings (a worker closes only the clients it built). */
  pubsub?: PubSub;
  storage?: Storage;
  registry?: ModelRegistry;
  log?: Logger;
  /** Collect Node default metrics (off when one process runs many workers). Default true. */
  defaultMetrics?: boolean;
}

export interface RunningWorker {
  /** Port of the /healthz, /readyz, /metrics server. */
  port: number;
  metrics: WorkerMetrics;
  registry: ModelRegistry;
  subscription: Subscription;
  inFlight(): number;
  ready(): Promise<Readiness>;
  /** Stop pulling, finish in-flight messages (up to the grace period), flush acks, close. Idempotent. */
  stop(): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { settings } = opts;
  const log = opts.log ?? createLogger('worker');
  const pubsub = opts.pubsub ?? pubsubFrom(settings);
  const registry =
    opts.registry ?? registryFrom(settings, opts.storage ?? storageFrom(settings), opts.loader, log, opts.bundledModel);
  const metrics = createWorkerMetrics(() => registry, opts.defaultMetrics ?? true);

  const subscriber = subscribe(pubsub, settings, {
    registry,
    installationClient: opts.installationClient,
    metrics,
    log,
  });
  const { subscription } = subscriber;
  const reopener = reopenOnClose(
    subscription,
    settings.reopenInitialDelayMs ?? DEFAULT_REOPEN_DELAY_MS,
    log.child({ subscription: settings.subscription }),
  );
  const ready = trackReadiness({
    pubsub,
    subscription,
    registry,
    readyCacheSeconds: settings.readyCacheSeconds,
    stopping: subscriber.stopping,
  });

  let health: HealthServer;
  try {
    health = await startHealthServer(settings.httpPort, settings.httpHost, { ready, metrics: metrics.registry });
  } catch (err) {
    reopener.cancel();
    await subscription.close();
    throw err;
  }
  log.info(
    {
      subscription: settings.subscription,
      concurrency: settings.concurrency,
      bucket: settings.bucket,
      http_port: health.port,
    },
    'worker started',
  );
  const stop = shutdownOnce({
    subscriber,
    reopener,
    health,
    ownedPubsub: opts.pubsub ? null : pubsub,
    graceSeconds: settings.shutdownGraceSeconds,
    log,
  });

  return {
    port: health.port,
    metrics,
    registry,
    subscription,
    inFlight: subscriber.inFlight,
    ready,
    stop,
  };
}
