import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelRegistry } from '../../src/registry';

/** Outcomes a message can end with; `ack`/`nack` says what happened to it in Pub/Sub. */
export type MessageOutcome =
  'labeled' | 'shadow' | 'skipped' | 'gone' | 'permanent_error' | 'invalid' | 'transient_error' | 'no_model';

export interface WorkerMetrics {
  registry: Registry;
  messages: Counter<'outcome' | 'action'>;
  latency: Histogram<'outcome'>;
  githubCalls: Counter<'result'>;
  inFlight: Gauge;
}

/**
 * One prom-client Registry per worker (not the global default), so several workers in one test process, or a
 * restarted one, never collide on metric names.
 */
export function createWorkerMetrics(modelRegistry: () => ModelRegistry | null, withDefaults = true): WorkerMetrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'label_bot_worker_' });
  const messages = new Counter({
    name: 'label_bot_worker_messages_total',
    help: 'Pub/Sub messages handled, by outcome and by what was done with the message (ack/nack).',
    labelNames: ['outcome', 'action'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'label_bot_worker_message_duration_seconds',
    help: 'Time from receiving a message to acking or nacking it.',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const githubCalls = new Counter({
    name: 'label_bot_worker_github_calls_total',
    help: 'GitHub API requests made while handling messages, including installation-token requests (cached ~1 h).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'label_bot_worker_messages_in_flight',
    help: 'Messages currently being processed.',
    registers: [registry],
  });
  const stat = (name: string, help: string, pick: (r: ModelRegistry) => number, type: 'counter' | 'gauge'): void => {
    const collect = function (this: Gauge | Counter): void {
      const r = modelRegistry();
      if (!r) return;
      if (type === 'gauge') (this as Gauge).set(pick(r));
      else {
        (this as Counter).reset();
        (this as Counter).inc(pick(r));
      }
    };
    if (type === 'gauge') new Gauge({ name, help, registers: [registry], collect });
    else new Counter({ name, help, registers: [registry], collect });
  };
  stat(
    'label_bot_worker_model_cache_hits_total',
    'Model lookups served from memory (or joined an in-flight load).',
    (r) => r.stats.cacheHits,
    'counter',
  );
  stat(
    'label_bot_worker_model_cache_misses_total',
    'Model lookups that had to download from GCS.',
    (r) => r.stats.cacheMisses,
    'counter',
  );
  stat(
    'label_bot_worker_model_corrupt_total',
    'Model artifacts or pointers that failed to load and were skipped.',
    (r) => r.stats.corrupt,
    'counter',
  );
  stat(
    'label_bot_worker_model_evictions_total',
    'Models evicted from the in-memory cache.',
    (r) => r.stats.evictions,
    'counter',
  );
  stat(
    'label_bot_worker_model_store_errors_total',
    'GCS reads that failed as unavailable.',
    (r) => r.stats.storeErrors,
    'counter',
  );
  stat(
    'label_bot_worker_model_cache_bytes',
    'Bytes of model artifacts held in memory.',
    (r) => r.stats.cachedBytes,
    'gauge',
  );
  stat('label_bot_worker_model_cache_models', 'Models held in memory.', (r) => r.stats.cachedModels, 'gauge');
  return { registry, messages, latency, githubCalls, inFlight };
}
