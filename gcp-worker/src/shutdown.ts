/**
 * Drain on shutdown. Nothing is lost: what finishes within the grace period is acked or nacked as usual, and
 * whatever is still running or was never started is nacked by close() and redelivered (labeling is idempotent).
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { Logger } from '../../src/log/logger';
import type { HealthServer } from './health-server';
import type { Reopener } from './reopen-on-close';
import type { Subscriber } from './subscriber';

export interface ShutdownDeps {
  subscriber: Subscriber;
  reopener: Reopener;
  health: HealthServer;
  /** Closed too when the worker built it (a client passed in belongs to the caller). */
  ownedPubsub: PubSub | null;
  graceSeconds: number;
  log: Logger;
}

/** Returns an idempotent stop(): every call gets the same promise. */
export function shutdownOnce(deps: ShutdownDeps): () => Promise<void> {
  const { subscriber, log } = deps;
  let stopped: Promise<void> | null = null;
  return () =>
    (stopped ??= (async () => {
      subscriber.stopTaking();
      deps.reopener.cancel();
      log.info(
        { in_flight: subscriber.inFlight(), grace_seconds: deps.graceSeconds },
        'stopping: no new messages, draining',
      );
      // 1. Let in-flight messages finish within the grace period.
      await withinGrace(subscriber.idle(), deps.graceSeconds * 1000);
      // 2. Close the stream: nack what was received but not started (or is still running), flush pending acks/nacks.
      await subscriber.subscription.close();
      if (deps.ownedPubsub) await deps.ownedPubsub.close();
      await deps.health.close();
      log.info({ in_flight: subscriber.inFlight(), not_started: subscriber.notStarted() }, 'worker stopped');
    })());
}

function withinGrace(done: Promise<void>, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    void done.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
