/**
 * /readyz for the worker: ready while the subscriber is open and connected, no stream error was seen lately, the pod
 * is not stopping, and some model can be resolved. Only then should the Service and the HPA count the pod.
 */
import type { PubSub, Subscription } from '@google-cloud/pubsub';
import type { ModelRegistry } from '../../src/registry';
import { grpcChannelState, GRPC_READY } from './grpc-channel-state';

export interface Readiness {
  ok: boolean;
  detail: Record<string, unknown>;
}

export interface ReadinessDeps {
  pubsub: PubSub;
  subscription: Subscription;
  registry: Pick<ModelRegistry, 'canLoadAny'>;
  /** How long a "model loadable" answer is trusted: resolving may read GCS, and kubelet probes every few seconds. */
  readyCacheSeconds: number;
  stopping(): boolean;
}

/** A stream error keeps the pod unready this long, so a flapping subscription does not pass a probe in between. */
const STREAM_ERROR_WINDOW_MS = 30_000;

export function trackReadiness(deps: ReadinessDeps): () => Promise<Readiness> {
  let lastStreamError: { at: number; message: string } | null = null;
  deps.subscription.on('error', (err: Error) => {
    lastStreamError = { at: Date.now(), message: err.message };
  });

  let modelCheck: { at: number; model: boolean } | null = null;
  return async () => {
    const state = await grpcChannelState(deps.pubsub);
    const connected = !deps.stopping() && deps.subscription.isOpen && (state === null ? true : state === GRPC_READY);
    const now = Date.now();
    if (!modelCheck || now - modelCheck.at > deps.readyCacheSeconds * 1000) {
      modelCheck = { at: now, model: await deps.registry.canLoadAny() };
    }
    const recentError = lastStreamError !== null && now - lastStreamError.at < STREAM_ERROR_WINDOW_MS;
    return {
      ok: connected && modelCheck.model && !recentError,
      detail: {
        subscriber_connected: connected,
        channel_state: state,
        model_loadable: modelCheck.model,
        stopping: deps.stopping(),
        ...(recentError && lastStreamError ? { last_stream_error: lastStreamError.message } : {}),
      },
    };
  };
}
