/**
 * The client retries transient stream errors itself; a non-retryable one (subscription missing, permission denied)
 * closes the subscriber for good. Reopening with backoff lets the pod recover once the cause is fixed, without a
 * restart; readiness reports not ready meanwhile, and each failure is logged.
 */
import type { Subscription } from '@google-cloud/pubsub';
import type { Logger } from '../../src/log/logger';

/** Backoff doubles from the first delay up to this. */
const MAX_REOPEN_DELAY_MS = 60_000;

export interface Reopener {
  /** Stops reopening (shutdown closes the subscription on purpose). */
  cancel(): void;
}

/** `log` should carry the subscription's name: every reopen is logged with it. */
export function reopenOnClose(subscription: Subscription, initialDelayMs: number, log: Logger): Reopener {
  let delayMs = initialDelayMs;
  let timer: NodeJS.Timeout | null = null;
  let cancelled = false;
  subscription.on('close', () => {
    if (cancelled || timer) return;
    log.warn({ retry_in_ms: delayMs }, 'subscriber closed unexpectedly; reopening');
    timer = setTimeout(() => {
      timer = null;
      if (!cancelled) subscription.open();
    }, delayMs);
    timer.unref();
    delayMs = Math.min(delayMs * 2, MAX_REOPEN_DELAY_MS);
  });
  // A message proves the stream works again: the next failure starts the backoff afresh.
  subscription.on('message', () => {
    delayMs = initialDelayMs;
  });
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
