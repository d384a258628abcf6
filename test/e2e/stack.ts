/**
 * The whole pipeline in one process, on loopback: GitHub stand-in → the Lambda handler (createRuntime, invoked with
 * signed API Gateway v1 events built from the stand-in's deliveries) → real Pub/Sub client → in-process gRPC fake →
 * the real worker (real Pub/Sub subscriber, real GCS client against the GCS stand-in) → back to the stand-in.
 *
 * Models are keyword "models" (the worker suite's test artifact format), so label decisions are predictable and
 * the suite does not depend on training. The universal model in the Lambda and the repo model in the worker use
 * different label names, so the route an issue took is visible on the issue itself.
 */
import { randomUUID } from 'node:crypto';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import type { ProbotOctokit } from 'probot';
import { startWorker, type RunningWorker } from '../../gcp-worker/src/start-worker';
import type { CountableClient, ProcessResult } from '../../gcp-worker/src/process-message';
import { localWorkerSettings } from '../support/worker-settings';
import { workerResults as resultsFromLog } from '../support/worker-results';
import { createOctokitFactory } from '../../src/github/octokit';
import { createRuntime } from '../../src/lambda/runtime';
import type { HttpResult } from '../../src/lambda/http-event';
import { GcsModelStore, parseScope, publishModel } from '../../src/registry';
import { KeywordClassifier } from '../support/fake-classifier';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn, type WebhookDelivery } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { keywordLoader, keywordModelDir } from '../gcp-worker/harness';
import { testPrivateKey, TestOctokit } from '../stand-in/support';

export const PROJECT = 'label-bot-e2e';
export const BUCKET = 'label-bot-e2e-models';
export const CONFIG_REPO = 'ops/label-bot-config';
export const CONFIG_ISSUE_NUMBER = 1;
export const OPERATOR = 'operator';

/** Universal model (Lambda): plain names. */
export const UNIVERSAL_KEYWORDS = { bug: 'crash', feature: 'please add', question: 'how do i' };
/** Repo model (worker): `kind/…` names, so a forwarded issue is recognisable by its labels. */
export const REPO_KEYWORDS = { 'kind/bug': 'crash', 'kind/feature': 'please add', 'kind/question': 'how do i' };

export function configBody(yaml: string): string {
  return `Operator config for label-bot. Edit the block below; the bot re-reads it on every edit.\n\n\`\`\`yaml\n${yaml.trim()}\n\`\`\`\n`;
}

export interface E2EOptions {
  /** YAML inside the config issue's block. */
  configYaml: string;
  /** Worker processes (pods) pulling from the one subscription; 0 for frontend-only checks. Default 1. */
  workers?: number;
  workerConcurrency?: number;
}

export interface E2EStack {
  gh: GitHubStandIn;
  pubsub: PubSubFake;
  gcs: GcsStandIn;
  topic: Topic;
  subscription: string;
  workers: RunningWorker[];
  workerResults: (ProcessResult & { messageId: string; latencyMs: number })[];
  handler: (event: unknown) => Promise<HttpResult>;
  /** Hands a stand-in delivery to the Lambda handler as a signed API Gateway v1 event. */
  invoke(delivery: WebhookDelivery): Promise<{ status: number; body: string }>;
  /** Waits for webhooks (and what they cause) and for the worker to have acked every published message. */
  settle(timeoutMs?: number): Promise<void>;
  /** Messages on the topic; `universal` marks a hand-off of a failed universal-route issue, not a cohort forward. */
  published(): { repo: string; issue: number; deliveryId: string; universal: boolean }[];
  close(): Promise<void>;
}

export function apiGatewayEvent(delivery: WebhookDelivery) {
  return {
    resource: '/api/github/webhooks',
    path: '/api/github/webhooks',
    httpMethod: 'POST',
    // Canonical header case, as API Gateway v1 passes the sender's spelling through.
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': delivery.headers['user-agent']!,
      'X-GitHub-Event': delivery.headers['x-github-event']!,
      'X-GitHub-Delivery': delivery.headers['x-github-delivery']!,
      'X-Hub-Signature-256': delivery.headers['x-hub-signature-256']!,
    },
    multiValueHeaders: {},
    queryStringParameters: null,
    requestContext: { stage: 'local' },
    body: delivery.body,
    isBase64Encoded: false,
  };
}

export async function startE2EStack(opts: E2EOptions): Promise<E2EStack> {
  const id = randomUUID().slice(0, 8);
  const gh = await startGitHubStandIn({ webhookSecret: `e2e-${id}` });
  const pubsub = await startPubSubFake();
  const gcs = await startGcsStandIn({ buckets: [BUCKET] });

  // The operator's config repo and issue; the operator may edit it (write access is checked on edits).
  gh.createRepo(CONFIG_REPO, { private: true });
  gh.setPermission(CONFIG_REPO, OPERATOR, 'admin');
  gh.createIssue(CONFIG_REPO, {
    title: 'label-bot config',
    body: configBody(opts.configYaml),
    user: OPERATOR,
    webhook: false,
  });

  // The publisher is built from the environment, and the Google client reads PUBSUB_EMULATOR_HOST itself.
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  const client = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
  const [topic] = await client.createTopic(`issues-${id}`);
  const subscription = `worker-${id}`;
  await topic.createSubscription(subscription, { ackDeadlineSeconds: 10, enableMessageOrdering: true });

  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } });
  const modelStore = new GcsModelStore(storage, BUCKET);
  await publishModel({ store: modelStore, scope: parseScope('*'), dir: keywordModelDir(UNIVERSAL_KEYWORDS, 0.7) });
  await publishModel({
    store: modelStore,
    scope: parseScope('acme/widgets'),
    dir: keywordModelDir(REPO_KEYWORDS, 0.8),
  });
  await publishModel({
    store: modelStore,
    scope: parseScope('acme/gadgets'),
    dir: keywordModelDir(REPO_KEYWORDS, 0.8),
  });

  const privateKey = testPrivateKey();
  const { handler } = createRuntime({
    env: {
      APP_ID: String(gh.appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: gh.webhookSecret,
      GITHUB_API_URL: gh.url,
      CONFIG_ISSUE: `${CONFIG_REPO}#${CONFIG_ISSUE_NUMBER}`,
      CONFIG_TTL_SECONDS: '3600',
      PUBSUB_TOPIC: topic.name,
      GCP_PROJECT: PROJECT,
      MODEL_DIR: '/nonexistent-e2e-uses-a-keyword-model',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    },
    Octokit: TestOctokit as unknown as typeof ProbotOctokit,
    loadClassifier: async () => new KeywordClassifier('universal/e2e', UNIVERSAL_KEYWORDS),
  });

  const invoke = async (delivery: WebhookDelivery) => {
    const res = await handler(apiGatewayEvent(delivery));
    return { status: res.statusCode, body: res.body };
  };
  gh.setWebhookTarget(invoke);

  const workers: RunningWorker[] = [];
  const workerResults: E2EStack['workerResults'] = [];
  const workerCount = opts.workers ?? 1;
  if (workerCount > 0) {
    const octokits = createOctokitFactory(
      { appId: String(gh.appId), privateKey, baseUrl: gh.url },
      { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
    );
    const settings = localWorkerSettings(
      {
        subscription,
        projectId: PROJECT,
        pubsubApiEndpoint: pubsub.host,
        bucket: BUCKET,
        storageApiEndpoint: gcs.endpoint,
      },
      { concurrency: opts.workerConcurrency ?? 4, reopenInitialDelayMs: undefined },
    );
    for (let i = 0; i < workerCount; i++) {
      // Each worker gets its own clients and caches, like a separate pod.
      const log = resultsFromLog();
      const worker = await startWorker({
        settings,
        loader: keywordLoader,
        installationClient: async (installationId) =>
          (await octokits.installation(installationId)) as unknown as CountableClient,
        pubsub: new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT }),
        storage: new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
        defaultMetrics: false,
        log: log.log,
      });
      log.onResult((r) => workerResults.push(r));
      workers.push(worker);
    }
  }

  const published = () =>
    pubsub.published(topic.name).map((m) => ({
      repo: m.attributes.repo ?? '',
      issue: Number(m.attributes.issue),
      deliveryId: m.attributes.delivery_id ?? '',
      universal: (JSON.parse(m.data.toString()) as { model?: string }).model === 'universal',
    }));

  const settle = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    // Webhooks cause messages, messages cause label changes, label changes cause webhooks: loop until all is quiet.
    for (;;) {
      await gh.idle();
      if (workers.length)
        await pubsub.waitFor(() => pubsub.pending(subscription) === 0, Math.max(deadline - Date.now(), 1));
      await gh.idle();
      if (!workers.length || pubsub.pending(subscription) === 0) return;
      if (Date.now() > deadline) throw new Error('stack did not settle');
    }
  };

  return {
    gh,
    pubsub,
    gcs,
    topic,
    subscription,
    workers,
    workerResults,
    handler,
    invoke,
    settle,
    published,
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await client.close();
      await gh.close();
      await pubsub.stop();
      await gcs.stop();
    },
  };
}
