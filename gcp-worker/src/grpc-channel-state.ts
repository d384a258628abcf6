/**
 * Whether the subscriber's gRPC channel is connected, for readiness.
 *
 * This reaches past the public API on purpose, and only here. @google-cloud/pubsub 5.x gives no public signal that a
 * StreamingPull stream is connected (its own message-stream.ts says so: "gRPC does not supply a way to confirm that a
 * stream is connected"). Its public events cover the other cases: 'error' and 'close' for non-retryable failures,
 * 'message' for a live stream. But while Pub/Sub is unreachable the client retries quietly, for ever, with the
 * subscription still open and no 'error' at all; only the channel's connectivity state shows it. If a later client
 * version exposes that state, replace this file.
 */
import type { PubSub } from '@google-cloud/pubsub';

/** grpc.connectivityState.READY */
export const GRPC_READY = 2;

interface SubscriberClientInternals {
  subscriberStub?: Promise<{ getChannel?: () => { getConnectivityState(tryConnect: boolean): number } }>;
}

/** The channel's connectivity state (READY while a StreamingPull is open), or null when it cannot be read. */
export async function grpcChannelState(pubsub: PubSub): Promise<number | null> {
  try {
    const client = (await pubsub.getClientAsync_({
      client: 'SubscriberClient',
    })) as unknown as SubscriberClientInternals;
    const stub = await client.subscriberStub;
    return stub?.getChannel?.().getConnectivityState(true) ?? null;
  } catch {
    return null;
  }
}
