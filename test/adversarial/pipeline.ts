/**
 * The adversarial harness plus the worker side: a subscription with a dead-letter policy on the frontend's topic,
 * the GCS stand-in holding a universal model and a repo model, and N real workers (separate clients and caches, like
 * pods). Issues travel the real route: stand-in webhook → Lambda handler → Pub/Sub fake → worker → stand-in.
 */
import { randomUUID } from 'node:crypto';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import type { ProbotOctokit } from 'probot';
import { startWorker, type RunningWorker } from '../../gcp-worker/src/start-worker';
import type { CountableClient, ProcessResult } from '../../gcp-worker/src/process-message';
import type { WorkerSettings } from '../../gcp-worker/src/settings';
import { localWorkerSettings } from '../support/worker-settings';
import { workerResults } from '../support/worker-results';
import { createOctokitFactory } from '../../src/github/octokit';
import { GcsModelStore, parseScope, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import type { PubSubFakeOptions } from '../support/pubsub-fake';
import { keywordLoader, keywordModelDir } from '../gcp-worker/harness';
import { PROJECT, startHarness, type Harness } from './harness';
import { DEFAULT_SETTLE_MS } from '../../src/github/racer-in-flight';

export const BUCKET = 'label-bot-adversarial-models';
/** The repo models label with `kind/…`, so an issue's labels show which route and model it took. */
export const REPO_KEYWORDS = { 'kind/bug': 'crash', 'kind/feature': 'please add', 'kind/question': 'how do i' };
export const WORKER_UNIVERSAL_KEYWORDS = { bug: 'crash', feature: 'please add', question: 'how do i' };

export interface PipelineOptions {
  configYaml: string;
  workers?: number;
  maxDeliveryAttempts?: number;
  /** Repos (`owner/name`) that get a repo model in GCS. */
  repoModels?: string[];
  Octokit?: typeof ProbotOctokit;
  pubsubOptions?: PubSubFakeOptions;
  /** Messages per worker at once (default 4). 1 forces duplicates onto different workers. */
  concurrency?: number;
  /** The worker subscription's message ordering (default on, as docs/gcp.md creates it). */
  messageOrdering?: boolean;
}

export interface Pipeline {
  h: Harness;
  gcs: GcsStandIn;
  store: GcsModelStore;
  subscription: string;
  dlqTopic: Topic;
  workers: RunningWorker[];
  results: (ProcessResult & { messageId: string })[];
  /** `owner/repo#n` of every message that reached the dead-letter topic. */
  deadLettered: string[];
  settings: WorkerSettings;
  startWorker(): Promise<RunningWorker>;
  /** Waits until webhooks are answered and the subscription holds nothing (acked or dead-lettered). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const h = await startHarness({
    configYaml: opts.configYaml,
    pubsub: true,
    pubsubOptions: opts.pubsubOptions,
    instances: 2,
    Octokit: opts.Octokit,
  });
  const id = randomUUID().slice(0, 8);
  const client = new PubSub({ apiEndpoint: h.pubsub!.host, projectId: PROJECT });
  const [dlqTopic] = await client.createTopic(`dlq-${id}`);
  const [dlqSub] = await dlqTopic.createSubscription(`dlq-sub-${id}`);
  const deadLettered: string[] = [];
  dlqSub.on('message', (m) => {
    deadLettered.push(`${m.attributes.repo}#${m.attributes.issue}`);
    m.ack();
  });
  const subscription = `worker-${id}`;
  const maxDeliveryAttempts = opts.maxDeliveryAttempts ?? 5;
  await h.topic!.createSubscription(subscription, {
    ackDeadlineSeconds: 10,
    deadLetterPolicy: { deadLetterTopic: dlqTopic.name, maxDeliveryAttempts },
    // Production-like backoff between attempts; the fake caps it at `pubsubOptions.maxNackBackoffMs` (default 0).
    retryPolicy: { minimumBackoff: { seconds: 10 }, maximumBackoff: { seconds: 600 } },
    enableMessageOrdering: opts.messageOrdering ?? true,
  });

  const gcs = await startGcsStandIn({ buckets: [BUCKET] });
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } });
  const store = new GcsModelStore(storage, BUCKET);
  await publishModel({ store, scope: parseScope('*'), dir: keywordModelDir(WORKER_UNIVERSAL_KEYWORDS, 0.7) });
  for (const repo of opts.repoModels ?? [])
    await publishModel({ store, scope: parseScope(repo), dir: keywordModelDir(REPO_KEYWORDS, 0.8) });

  const octokits = createOctokitFactory(
    { appId: String(h.gh.appId), privateKey: h.privateKey, baseUrl: h.gh.url },
    { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
  );
  const settings = localWorkerSettings(
    {
      subscription,
      projectId: PROJECT,
      pubsubApiEndpoint: h.pubsub!.host,
      bucket: BUCKET,
      storageApiEndpoint: gcs.endpoint,
    },
    {
      concurrency: opts.concurrency ?? 4,
      maxDeliveryAttempts,
      // Worker time scaled with the Pub/Sub deadlines: a pod that waits for a racer mid-write must not outlive a
      // scaled lease the client would have extended in time at full scale.
      racerSettleMs: DEFAULT_SETTLE_MS * (opts.pubsubOptions?.deadlineScale ?? 1),
    },
  );
  const workers: RunningWorker[] = [];
  const results: Pipeline['results'] = [];
  const start = async () => {
    const log = workerResults();
    const worker = await startWorker({
      settings,
      loader: keywordLoader,
      installationClient: async (installationId) =>
        (await octokits.installation(installationId)) as unknown as CountableClient,
      pubsub: new PubSub({ apiEndpoint: h.pubsub!.host, projectId: PROJECT }),
      storage: new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
      defaultMetrics: false,
      log: log.log,
    });
    log.onResult((r) => results.push(r));
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (opts.workers ?? 2); i++) await start();

  const settle = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await h.gh.idle();
      await h.pubsub!.waitFor(() => h.pubsub!.pending(subscription) === 0, Math.max(deadline - Date.now(), 1));
      await h.gh.idle();
      if (h.pubsub!.pending(subscription) === 0) return;
      if (Date.now() > deadline) throw new Error('pipeline did not settle');
    }
  };

  return {
    h,
    gcs,
    store,
    subscription,
    dlqTopic,
    workers,
    results,
    deadLettered,
    settings,
    startWorker: start,
    settle,
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await dlqSub.close();
      await client.close();
      await gcs.stop();
      await h.close();
    },
  };
}
