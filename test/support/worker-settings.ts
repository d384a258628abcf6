import type { WorkerSettings } from '../../gcp-worker/src/settings';

/**
 * Worker settings for a worker running against the local stand-ins: loopback HTTP on a free port, pointers re-read
 * on every message (so a publish shows at once), no readiness cache. Callers name their endpoints and override
 * what their scenario is about.
 */
export function localWorkerSettings(
  endpoints: Pick<WorkerSettings, 'subscription' | 'projectId' | 'pubsubApiEndpoint' | 'bucket' | 'storageApiEndpoint'>,
  overrides: Partial<WorkerSettings> = {},
): WorkerSettings {
  return {
    ...endpoints,
    concurrency: 4,
    maxDeliveryAttempts: 5,
    shutdownGraceSeconds: 5,
    maxLeaseMinutes: 5,
    httpPort: 0,
    httpHost: '127.0.0.1',
    modelCacheMaxBytes: 64 * 1024 * 1024,
    pointerTtlSeconds: 0,
    badVersionTtlSeconds: 300,
    bundledModelDir: undefined,
    readyCacheSeconds: 0,
    reopenInitialDelayMs: 100,
    ...overrides,
  };
}
