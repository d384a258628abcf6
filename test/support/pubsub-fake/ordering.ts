/**
 * Ordering keys, for a subscription created with `enableMessageOrdering: true`, as the service does it: messages with
 * the same non-empty key are handed out in publish order, all to the one streaming pull that got the key first while
 * that stream stays open, and a nacked or expired message is redelivered before the later messages of its key. By
 * default a key's next message also waits until the one before it is acked (PubSubFakeOptions.orderingHoldsNextMessage
 * says why that is optional). Messages without a key, and subscriptions without the flag, are not affected.
 *
 * Not modelled: the service redelivers a key's later messages (acked ones too) after redelivering an earlier one; the
 * fake redelivers only the message that was nacked or expired.
 */
import type { BacklogEntry, StreamState, SubscriptionState } from './types';

export interface OrderingState {
  holdsNextMessage: boolean;
  /** Per key: messages handed out and not yet acked, dead-lettered or back in the backlog (a nack's backoff counts). */
  unsettled: Map<string, number>;
  /** Per key: the stream its messages go to, from its first delivery until that stream closes. */
  streamOf: Map<string, StreamState>;
}

export function createOrdering(holdsNextMessage: boolean): OrderingState {
  return { holdsNextMessage, unsettled: new Map(), streamOf: new Map() };
}

/** Removes from the backlog and returns, in order, up to `room` messages that `stream` may be handed now. */
export function takeForStream(sub: SubscriptionState, stream: StreamState, room: number): BacklogEntry[] {
  const ordering = sub.ordering;
  const taken: BacklogEntry[] = [];
  // A key whose earlier message must stay queued keeps its later ones queued too: they may not overtake it.
  const blocked = new Set<string>();
  for (let i = 0; i < sub.backlog.length && taken.length < room;) {
    const entry = sub.backlog[i]!;
    const key = entry.message.orderingKey;
    if (!ordering || !key) {
      taken.push(...sub.backlog.splice(i, 1));
      continue;
    }
    const owner = ordering.streamOf.get(key);
    const waiting = ordering.holdsNextMessage && (ordering.unsettled.get(key) ?? 0) > 0;
    if (blocked.has(key) || (owner && owner !== stream) || waiting) {
      blocked.add(key);
      i++;
      continue;
    }
    taken.push(...sub.backlog.splice(i, 1));
    ordering.streamOf.set(key, stream);
    ordering.unsettled.set(key, (ordering.unsettled.get(key) ?? 0) + 1);
  }
  return taken;
}

/** A handed-out message left for good (acked or dead-lettered): its key's next message may go. */
export function settle(sub: SubscriptionState, entry: { message: { orderingKey: string } }): void {
  const key = entry.message.orderingKey;
  if (!sub.ordering || !key) return;
  const left = (sub.ordering.unsettled.get(key) ?? 0) - 1;
  if (left > 0) sub.ordering.unsettled.set(key, left);
  else sub.ordering.unsettled.delete(key);
}

/** A nacked or expired message back in the backlog: ahead of its key's later messages, at the end otherwise. */
export function requeue(sub: SubscriptionState, entry: BacklogEntry): void {
  const key = entry.message.orderingKey;
  if (!sub.ordering || !key) {
    sub.backlog.push(entry);
    return;
  }
  settle(sub, entry);
  const firstOfKey = sub.backlog.findIndex((e) => e.message.orderingKey === key);
  if (firstOfKey < 0) sub.backlog.push(entry);
  else sub.backlog.splice(firstOfKey, 0, entry);
}

/** A closed stream keeps no keys: their next messages go to whichever open stream asks first. */
export function forgetStream(sub: SubscriptionState, stream: StreamState): void {
  if (!sub.ordering) return;
  for (const [key, owner] of sub.ordering.streamOf) if (owner === stream) sub.ordering.streamOf.delete(key);
}
