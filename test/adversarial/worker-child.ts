/**
 * A worker pod as a child process, for the SIGKILL test: the same startWorker wiring as pipeline.ts, configured from
 * the environment. Prints `READY` on stdout once it is pulling. Run with `node --import tsx`.
 */
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { startWorker } from '../../gcp-worker/src/start-worker';
import type { CountableClient } from '../../gcp-worker/src/process-message';
import { createOctokitFactory } from '../../src/github/octokit';
import { keywordLoader } from '../gcp-worker/harness';
import { localWorkerSettings } from '../support/worker-settings';
import { workerResults } from '../support/worker-results';

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`worker-child: ${name} is not set`);
  return v;
};

const octokits = createOctokitFactory(
  { appId: need('APP_ID'), privateKey: need('PRIVATE_KEY'), baseUrl: need('GITHUB_API_URL') },
  { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
);
const results = workerResults();
const worker = await startWorker({
  settings: localWorkerSettings(
    {
      subscription: need('SUBSCRIPTION'),
      projectId: need('GCP_PROJECT'),
      pubsubApiEndpoint: need('PUBSUB_HOST'),
      bucket: need('BUCKET'),
      storageApiEndpoint: need('GCS_ENDPOINT'),
    },
    { reopenInitialDelayMs: undefined },
  ),
  loader: keywordLoader,
  installationClient: async (id) => (await octokits.installation(id)) as unknown as CountableClient,
  pubsub: new PubSub({ apiEndpoint: need('PUBSUB_HOST'), projectId: need('GCP_PROJECT') }),
  storage: new Storage({
    apiEndpoint: need('GCS_ENDPOINT'),
    projectId: need('GCP_PROJECT'),
    retryOptions: { autoRetry: false },
  }),
  defaultMetrics: false,
  log: results.log,
});
results.onResult((r) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`));
process.stdout.write(`READY ${worker.port}\n`);
