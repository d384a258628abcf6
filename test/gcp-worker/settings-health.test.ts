/** Worker settings from the environment, and the health server's liveness check. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from '../../gcp-worker/src/health-server';
import { settingsFromEnv } from '../../gcp-worker/src/settings';

describe('settingsFromEnv', () => {
  it('applies documented defaults', () => {
    expect(settingsFromEnv({ PUBSUB_SUBSCRIPTION: 'sub', LABEL_BOT_BUCKET: 'b' })).toMatchObject({
      subscription: 'sub',
      bucket: 'b',
      concurrency: 8,
      maxDeliveryAttempts: 5,
      shutdownGraceSeconds: 25,
      maxLeaseMinutes: 10,
      ackBatchMs: 10,
      racerSettleMs: 1000,
      httpPort: 8080,
      httpHost: '0.0.0.0',
      modelCacheMaxBytes: 512 * 1024 * 1024,
      pointerTtlSeconds: 60,
      badVersionTtlSeconds: 300,
      bundledModelDir: undefined,
      readyCacheSeconds: 15,
      reopenInitialDelayMs: 5000,
    });
  });

  it('reads overrides and names every bad or missing variable', () => {
    const s = settingsFromEnv({
      PUBSUB_SUBSCRIPTION: 'projects/p/subscriptions/s',
      LABEL_BOT_BUCKET: 'b',
      WORKER_CONCURRENCY: '3',
      GOOGLE_CLOUD_PROJECT: 'p',
      BUNDLED_MODEL_DIR: '/m',
      WORKER_ACK_BATCH_MS: '0',
    });
    expect(s).toMatchObject({ concurrency: 3, projectId: 'p', bundledModelDir: '/m', ackBatchMs: 0 });
    expect(() => settingsFromEnv({ WORKER_CONCURRENCY: '0' })).toThrow(
      /PUBSUB_SUBSCRIPTION: is required.*LABEL_BOT_BUCKET: is required|WORKER_CONCURRENCY/,
    );
    expect(() =>
      settingsFromEnv({ PUBSUB_SUBSCRIPTION: 's', LABEL_BOT_BUCKET: 'b', WORKER_CONCURRENCY: 'many' }),
    ).toThrow(/WORKER_CONCURRENCY: must be a number ≥ 1/);
  });
});

describe('health server', () => {
  it('/healthz fails after the event loop was blocked, then recovers; /readyz follows the check; unknown paths 404', async () => {
    let ready = true;
    const server = await startHealthServer(0, '127.0.0.1', {
      ready: async () => ({ ok: ready, detail: { probe: 'x' } }),
      metrics: new Registry(),
      maxEventLoopDelayMs: 100,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const until = Date.now() + 400;
      while (Date.now() < until) {
        /* block the event loop */
      }
      const blocked = await fetch(`${base}/healthz`);
      expect(blocked.status).toBe(503);
      expect(
        ((await blocked.json()) as { event_loop_max_delay_ms: number }).event_loop_max_delay_ms,
      ).toBeGreaterThanOrEqual(100);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      ready = false;
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ok: false, probe: 'x' });
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
