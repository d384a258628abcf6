import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const maxDelayNs = (checks.maxEventLoopDelayMs ?? 5_000) * 1e6;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(text);
    };
    if (path === '/healthz') {
      const maxNs = delay.max;
      delay.reset();
      const ok = !(maxNs > maxDelayNs);
      send(ok ? 200 : 503, { ok, event_loop_max_delay_ms: Math.round(maxNs / 1e6) });
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
      delay.disable();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
