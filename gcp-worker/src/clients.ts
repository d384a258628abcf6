/** The Google Cloud clients and the model registry a worker runs on, built from its settings. */
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import type { Classifier } from '../../src/ml/types';
import type { Logger } from '../../src/log/logger';
import { GcsModelStore, ModelRegistry, type ArtifactLoader } from '../../src/registry';
import type { WorkerSettings } from './settings';

/** PUBSUB_EMULATOR_HOST, when set, is honoured by the client itself. */
export function pubsubFrom(settings: WorkerSettings): PubSub {
  return new PubSub({
    ...(settings.projectId ? { projectId: settings.projectId } : {}),
    ...(settings.pubsubApiEndpoint ? { apiEndpoint: settings.pubsubApiEndpoint } : {}),
  });
}

export function storageFrom(settings: WorkerSettings): Storage {
  return new Storage(settings.storageApiEndpoint ? { apiEndpoint: settings.storageApiEndpoint } : {});
}

export function registryFrom(
  settings: WorkerSettings,
  storage: Storage,
  loader: ArtifactLoader,
  log: Logger,
  bundledModel?: () => Promise<Classifier>,
): ModelRegistry {
  return new ModelRegistry({
    store: new GcsModelStore(storage, settings.bucket),
    loader,
    maxCacheBytes: settings.modelCacheMaxBytes,
    pointerTtlMs: settings.pointerTtlSeconds * 1000,
    badVersionTtlMs: settings.badVersionTtlSeconds * 1000,
    bundledFallback: bundledModel,
    log: log.child({ component: 'registry' }),
  });
}
