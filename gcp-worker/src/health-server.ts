import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Readiness: subscriber connected and a model loadable. */
  ready(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  metrics: Registry;
  /** Liveness fails when the event loop has been blocked longer than this (default 5 s). */
  maxEventLoopDelayMs?: number;
}

export interface HealthServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * /healthz — the process answers and its event loop is not stuck (a wedged loop would also stall lease renewal).
 * /readyz  — checks.ready(): only then should the Service route probes/traffic and the HPA count the pod.
 * /metrics — Prometheus text format.
 */
export async function startHealthServer(port: number, host: string, checks: HealthChecks): Promise<HealthServer> {
  // A ticking timer measures how late it fires: the worst lateness since the last probe is the loop's blocking time.
  const tickMs = 50;
  const maxDelayMs = checks.maxEventLoopDelayMs ?? 5_000;
  let worstLagMs = 0;
  let expected = Date.now() + tickMs;
  const ticker = setInterval(() => {
    const now = Date.now();
    worstLagMs = Math.max(worstLagMs, now - expected);
    expected = now + tickMs;
  }, tickMs);
  ticker.unref();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(text);
    };
    if (path === '/healthz') {
      const lag = Math.max(worstLagMs, Date.now() - expected);
      worstLagMs = 0;
      const ok = lag <= maxDelayMs;
      send(ok ? 200 : 503, { ok, event_loop_max_delay_ms: Math.max(0, lag) });
      return;
    }
    if (path === '/readyz') {
      checks
        .ready()
        .then((r) => send(r.ok ? 200 : 503, { ok: r.ok, ...r.detail }))
        .catch((err: unknown) => send(503, { ok: false, error: (err as Error).message }));
      return;
    }
    if (path === '/metrics') {
      checks.metrics
        .metrics()
        .then((text) => send(200, text, checks.metrics.contentType))
        .catch((err: unknown) => send(500, { error: (err as Error).message }));
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
