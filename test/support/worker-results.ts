/**
 * A worker's results as its logs tell them: every message ends with one `message handled` line (docs/gcp.md), so
 * tests and the bench read outcomes the way an operator would, from the log, rather than through a test-only hook.
 */
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { ProcessResult } from '../../gcp-worker/src/process-message';
import { createLogger } from '../../src/log/logger';

export type WorkerResult = ProcessResult & { messageId: string; latencyMs: number; orderingKey?: string };

export interface WorkerResults {
  /** Pass as the worker's `log`. */
  log: Logger;
  onResult(listener: (r: WorkerResult) => void): void;
}

/** pino's level numbers by name; `silent` echoes nothing. */
const PINO_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

interface HandledLine {
  level?: number;
  msg?: string;
  message_id: string;
  outcome: ProcessResult['outcome'];
  action: ProcessResult['action'];
  labels?: string[];
  model_version?: string;
  github_calls?: number;
  ordering_key?: string;
  latency_ms: number;
}

export function workerResults(name = 'worker'): WorkerResults {
  const listeners: ((r: WorkerResult) => void)[] = [];
  // The sink needs the info lines whatever LOG_LEVEL says; a LOG_LEVEL asked for explicitly still shows the lines at
  // or above it (the bench runs with LOG_LEVEL=error: echoing every info line would cost the measured process CPU).
  const wanted = process.env.LOG_LEVEL ?? 'silent';
  const echoFrom = PINO_LEVELS[wanted] ?? Number.POSITIVE_INFINITY;
  let pending = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const entry = JSON.parse(line) as HandledLine;
        if ((entry.level ?? 0) >= echoFrom) process.stdout.write(line + '\n');
        if (entry.msg !== 'message handled') continue;
        const result: WorkerResult = {
          outcome: entry.outcome,
          action: entry.action,
          ...(entry.labels ? { labels: entry.labels } : {}),
          ...(entry.model_version ? { modelVersion: entry.model_version } : {}),
          ...(entry.github_calls !== undefined ? { githubCalls: entry.github_calls } : {}),
          messageId: entry.message_id,
          latencyMs: entry.latency_ms,
          ...(entry.ordering_key ? { orderingKey: entry.ordering_key } : {}),
        };
        for (const l of listeners) l(result);
      }
      done();
    },
  });
  const log = createLogger(name, sink);
  log.level = ['trace', 'debug'].includes(wanted) ? wanted : 'info';
  return { log, onResult: (l) => void listeners.push(l) };
}
