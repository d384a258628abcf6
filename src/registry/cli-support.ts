import { Storage } from '@google-cloud/storage';
import { gcsRetries } from './gcs-retry';
import { GcsModelStore } from './store';

/** What the registry CLI commands write to and read the environment from (the process's, unless the caller passes its own). */
export interface RegistryCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processRegistryIo: RegistryCliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};

/**
 * Store for `--bucket` or LABEL_BOT_BUCKET. Credentials come from Application Default Credentials;
 * STORAGE_API_ENDPOINT (or STORAGE_EMULATOR_HOST, read by the client itself) points at another GCS-compatible endpoint.
 * The client's own silent retries are off: `gcsRetries` retries by cause, says so on stderr, and ends with the cause
 * and the next step.
 */
export function storeFromCli(bucket: string | undefined, io: RegistryCliIo, storage?: Storage): GcsModelStore {
  const name = bucket ?? io.env.LABEL_BOT_BUCKET;
  if (!name) throw new Error('no bucket: pass --bucket or set LABEL_BOT_BUCKET');
  const endpoint = io.env.STORAGE_API_ENDPOINT;
  const client =
    storage ?? new Storage({ ...(endpoint ? { apiEndpoint: endpoint } : {}), retryOptions: { autoRetry: false } });
  const custom = endpoint ?? io.env.STORAGE_EMULATOR_HOST;
  const attempt = gcsRetries({ onRetry: (line) => io.stderr(`${line}\n`), ...(custom ? { endpoint: custom } : {}) });
  return new GcsModelStore(client, name, attempt);
}
