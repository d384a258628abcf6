import { z } from 'zod';
import { DEFAULT_SETTLE_MS } from '../../src/github/racer-in-flight';

/**
 * Every worker setting comes from the environment (ConfigMap in k8s); documented in docs/gcp.md.
 * Parsing fails fast at start-up with the offending variable named, never mid-message.
 */
const intFrom = (def: number, min: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `must be a number ≥ ${min}` });
        return z.NEVER;
      }
      return n;
    });

/**
 * How long the client may hold acks to batch them (the library's default is 100 ms). With flow control at
 * `concurrency` messages the server sends the next message only once an ack arrives, so this delay is paid per message
 * per slot: at 100 ms a pod could not exceed concurrency × 10 messages/s however fast the handler is.
 */
export const DEFAULT_ACK_BATCH_MS = 10;

const envSchema = z.object({
  PUBSUB_SUBSCRIPTION: z.string({ error: 'is required' }).min(1, 'is required'),
  PUBSUB_PROJECT_ID: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  PUBSUB_API_ENDPOINT: z.string().optional(),
  WORKER_CONCURRENCY: intFrom(8, 1),
  WORKER_MAX_DELIVERY_ATTEMPTS: intFrom(5, 1),
  WORKER_SHUTDOWN_GRACE_SECONDS: intFrom(25, 0),
  WORKER_MAX_LEASE_MINUTES: intFrom(10, 1),
  WORKER_ACK_BATCH_MS: intFrom(DEFAULT_ACK_BATCH_MS, 0),
  WORKER_RACER_SETTLE_MS: intFrom(DEFAULT_SETTLE_MS, 0),
  WORKER_HTTP_PORT: intFrom(8080, 0),
  WORKER_HTTP_HOST: z.string().optional(),
  LABEL_BOT_BUCKET: z.string({ error: 'is required' }).min(1, 'is required'),
  STORAGE_API_ENDPOINT: z.string().optional(),
  MODEL_CACHE_MAX_BYTES: intFrom(512 * 1024 * 1024, 1),
  MODEL_POINTER_TTL_SECONDS: intFrom(60, 0),
  MODEL_BAD_VERSION_TTL_SECONDS: intFrom(300, 0),
  BUNDLED_MODEL_DIR: z.string().optional(),
  READY_CACHE_SECONDS: intFrom(15, 0),
  WORKER_REOPEN_DELAY_MS: intFrom(5_000, 10),
});

export interface WorkerSettings {
  subscription: string;
  projectId: string | undefined;
  /** Pub/Sub endpoint override (host:port); PUBSUB_EMULATOR_HOST is honoured by the client itself. */
  pubsubApiEndpoint: string | undefined;
  concurrency: number;
  maxDeliveryAttempts: number;
  shutdownGraceSeconds: number;
  maxLeaseMinutes: number;
  /** Ack batching delay (WORKER_ACK_BATCH_MS); unset = DEFAULT_ACK_BATCH_MS. */
  ackBatchMs?: number;
  /**
   * Wait before re-reading an issue caught between another delivery's label and comment writes
   * (WORKER_RACER_SETTLE_MS, src/github/racer-in-flight.ts); unset = DEFAULT_SETTLE_MS.
   */
  racerSettleMs?: number;
  httpPort: number;
  /** Interface for /healthz, /readyz, /metrics (default 0.0.0.0 so kubelet probes reach it). */
  httpHost: string;
  bucket: string;
  storageApiEndpoint: string | undefined;
  modelCacheMaxBytes: number;
  pointerTtlSeconds: number;
  badVersionTtlSeconds: number;
  /** Model directory baked into the image, used only when GCS has no usable model at all. Empty = none. */
  bundledModelDir: string | undefined;
  readyCacheSeconds: number;
  /** First delay before reopening a subscriber closed by a non-retryable error (doubles up to 60 s). */
  reopenInitialDelayMs?: number;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid worker settings: ${problems}`);
  }
  const e = parsed.data;
  return {
    subscription: e.PUBSUB_SUBSCRIPTION,
    projectId: e.PUBSUB_PROJECT_ID || e.GOOGLE_CLOUD_PROJECT || undefined,
    pubsubApiEndpoint: e.PUBSUB_API_ENDPOINT || undefined,
    concurrency: e.WORKER_CONCURRENCY,
    maxDeliveryAttempts: e.WORKER_MAX_DELIVERY_ATTEMPTS,
    shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    maxLeaseMinutes: e.WORKER_MAX_LEASE_MINUTES,
    ackBatchMs: e.WORKER_ACK_BATCH_MS,
    racerSettleMs: e.WORKER_RACER_SETTLE_MS,
    httpPort: e.WORKER_HTTP_PORT,
    httpHost: e.WORKER_HTTP_HOST || '0.0.0.0',
    bucket: e.LABEL_BOT_BUCKET,
    storageApiEndpoint: e.STORAGE_API_ENDPOINT || undefined,
    modelCacheMaxBytes: e.MODEL_CACHE_MAX_BYTES,
    pointerTtlSeconds: e.MODEL_POINTER_TTL_SECONDS,
    badVersionTtlSeconds: e.MODEL_BAD_VERSION_TTL_SECONDS,
    bundledModelDir: e.BUNDLED_MODEL_DIR || undefined,
    readyCacheSeconds: e.READY_CACHE_SECONDS,
    reopenInitialDelayMs: e.WORKER_REOPEN_DELAY_MS,
  };
}
