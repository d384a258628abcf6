/**
 * Full worker stack for tests: real @google-cloud/pubsub against the fake or the official emulator, real
 * @google-cloud/storage against the GCS stand-in, real Probot/Octokit against the GitHub stand-in over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub, type Subscription, type Topic } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import type { ForwardedIssue } from '../../src/pubsub/message';
import { createOctokitFactory } from '../../src/github/octokit';
import { GcsModelStore, parseScope, publishModel, type ArtifactLoader } from '../../src/registry';
import type { Classifier, IssueText, Prediction } from '../../src/ml/types';
import { startWorker, type RunningWorker, type WorkerOptions } from '../../gcp-worker/src/start-worker';
import type { CountableClient } from '../../gcp-worker/src/process-message';
import type { WorkerSettings } from '../../gcp-worker/src/settings';
import { localWorkerSettings } from '../support/worker-settings';
import { workerResults, type WorkerResult } from '../support/worker-results';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { testPrivateKey } from '../support/test-octokit';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';

export const PROJECT = 'label-bot-test';
/** The installation `forwardedIssue()` names; `stack.addRepo` puts repos under it. */
export const INSTALLATION_ID = 4242;
export const LABELS_ENDPOINT = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
const TOKENS_ENDPOINT = 'POST /app/installations/{installation_id}/access_tokens';
export const BUCKET = 'label-bot-models';
const MAGIC = Buffer.from('KWMODEL1');

/**
 * Keyword model serialised as "ONNX" bytes: the registry/worker contract is bytes → classifier, and this keeps the
 * worker suites independent of training. The version string is what the worker logs and comments with.
 */
export const keywordLoader: ArtifactLoader = async (onnx, modelJson, source) => {
  if (!onnx.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a model');
  const spec = JSON.parse(onnx.subarray(MAGIC.length).toString()) as Record<string, string>;
  const labels = (modelJson as { labels: string[] }).labels;
  const classifier: Classifier = {
    version: source,
    labels,
    async predict(issues: readonly IssueText[]): Promise<Prediction[]> {
      return issues.map((issue) => {
        const text = `${issue.title}\n${issue.body ?? ''}`.toLowerCase();
        const scores = labels
          .map((label) => ({ label, score: spec[label] && text.includes(spec[label]!) ? 0.9 : 0.05, threshold: 0.5 }))
          .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
        return { scores, labels: scores.filter((s) => s.score >= s.threshold).map((s) => s.label) };
      });
    },
  };
  return classifier;
};

export function keywordModelDir(keywords: Record<string, string>, score = 0.8): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-kw-'));
  writeFileSync(join(dir, 'model.onnx'), Buffer.concat([MAGIC, Buffer.from(JSON.stringify(keywords))]));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 1, labels: Object.keys(keywords), metrics: { score } }),
  );
  return dir;
}

export function forwardedIssue(
  owner: string,
  name: string,
  number: number,
  over: Partial<ForwardedIssue> = {},
): ForwardedIssue {
  return {
    v: 1,
    delivery_id: randomUUID(),
    event: 'issues',
    action: 'opened',
    installation_id: INSTALLATION_ID,
    repo: { owner, name, id: 1, private: false },
    issue: {
      number,
      id: number,
      node_id: `I_${number}`,
      title: 'App crashes on start',
      body: 'It crashes',
      labels: [],
      author: 'alice',
      author_association: 'NONE',
      created_at: '2026-01-01T00:00:00Z',
    },
    forwarded_at: '2026-01-01T00:00:01Z',
    cohort: { ratio: 1, bucket: 0.1, mode: 'active' },
    ...over,
  };
}

/** A worker plus its results, read from its `message handled` log lines. */
export type TestWorker = RunningWorker & { onResult(listener: (r: WorkerResult) => void): void };

export interface Stack {
  pubsub: PubSub;
  topic: Topic;
  dlqTopic: Topic;
  dlqSubscription: Subscription;
  subscriptionName: string;
  gcs: GcsStandIn;
  store: GcsModelStore;
  github: GitHubStandIn;
  /** A repo under the installation the messages name, with `.github/issue_label_bot.yaml` when `config` is given. */
  addRepo(fullName: string, config?: string): void;
  /** An issue filed by alice, as the stand-in's control API does it (no webhook: the tests publish the message). */
  addIssue(fullName: string, number: number, title: string): void;
  /** GitHub calls other than minting installation tokens, in order. */
  githubCalls(): ReturnType<GitHubStandIn['counters']['requests']>;
  /** The calls among them that change GitHub. */
  githubWrites(): ReturnType<GitHubStandIn['counters']['requests']>;
  settings: WorkerSettings;
  workers: TestWorker[];
  /** Messages that reached the dead-letter topic. */
  deadLettered: { data: string; attributes: Record<string, string> }[];
  startWorker(over?: Partial<WorkerSettings>, extra?: Partial<WorkerOptions>): Promise<TestWorker>;
  publish(message: ForwardedIssue | string): Promise<string>;
  close(): Promise<void>;
}

export async function startStack(
  pubsubHost: string,
  opts: { maxDeliveryAttempts?: number; messageOrdering?: boolean } = {},
): Promise<Stack> {
  const id = randomUUID().slice(0, 8);
  const pubsub = new PubSub({ apiEndpoint: pubsubHost, projectId: PROJECT });
  const [topic] = await pubsub.createTopic(`issues-${id}`);
  const [dlqTopic] = await pubsub.createTopic(`issues-dlq-${id}`);
  const [dlqSubscription] = await dlqTopic.createSubscription(`issues-dlq-sub-${id}`);
  const subscriptionName = `worker-${id}`;
  await topic.createSubscription(subscriptionName, {
    ackDeadlineSeconds: 10,
    deadLetterPolicy: { deadLetterTopic: dlqTopic.name, maxDeliveryAttempts: opts.maxDeliveryAttempts ?? 5 },
    // As docs/gcp.md creates it: one issue's messages (same ordering key) are handed out one pod at a time.
    enableMessageOrdering: opts.messageOrdering ?? true,
  });
  const deadLettered: Stack['deadLettered'] = [];
  dlqSubscription.on('message', (m) => {
    deadLettered.push({ data: m.data.toString(), attributes: m.attributes });
    m.ack();
  });

  const gcs = await startGcsStandIn({ buckets: [BUCKET] });
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } });
  const store = new GcsModelStore(storage, BUCKET);
  await publishModel({
    store,
    scope: parseScope('*'),
    dir: keywordModelDir({ bug: 'crash', question: 'how do i' }, 0.7),
  });

  const github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  const octokits = createOctokitFactory(
    { appId: String(github.appId), privateKey: testPrivateKey(), baseUrl: github.url },
    { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
  );

  const settings = localWorkerSettings(
    {
      subscription: subscriptionName,
      projectId: PROJECT,
      pubsubApiEndpoint: pubsubHost,
      bucket: BUCKET,
      storageApiEndpoint: gcs.endpoint,
    },
    { maxDeliveryAttempts: opts.maxDeliveryAttempts ?? 5, shutdownGraceSeconds: 10, maxLeaseMinutes: 10 },
  );
  const workers: TestWorker[] = [];

  const stack: Stack = {
    pubsub,
    topic,
    dlqTopic,
    dlqSubscription,
    subscriptionName,
    gcs,
    store,
    github,
    addRepo(fullName, config) {
      github.createRepo(fullName, {
        installationId: INSTALLATION_ID,
        files: config === undefined ? {} : { '.github/issue_label_bot.yaml': config },
      });
    },
    addIssue(fullName, number, title) {
      github.createIssue(fullName, { number, title, body: 'It crashes', user: 'alice' });
    },
    githubCalls: () => github.counters.requests().filter((r) => r.endpoint !== TOKENS_ENDPOINT),
    githubWrites: () => github.counters.requests().filter((r) => r.write && r.endpoint !== TOKENS_ENDPOINT),
    settings,
    workers,
    deadLettered,
    async startWorker(over = {}, extra = {}) {
      const results = workerResults();
      const running = await startWorker({
        settings: { ...settings, ...over },
        loader: keywordLoader,
        installationClient: async (installationId) =>
          (await octokits.installation(installationId)) as unknown as CountableClient,
        storage,
        defaultMetrics: false,
        log: results.log,
        ...extra,
      });
      const worker: TestWorker = { ...running, onResult: results.onResult };
      workers.push(worker);
      return worker;
    },
    async publish(message) {
      if (typeof message === 'string')
        return topic.publishMessage({ data: Buffer.from(message), attributes: { delivery_id: 'poison' } });
      return topic.publishMessage({
        json: message,
        attributes: {
          repo: `${message.repo.owner}/${message.repo.name}`,
          issue: String(message.issue.number),
          delivery_id: message.delivery_id,
        },
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await dlqSubscription.close();
      await pubsub.close();
      await gcs.stop();
      await github.close();
    },
  };
  return stack;
}

export function waitUntil(predicate: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what} not reached within ${timeoutMs} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * A `data` listener for a child process's stdout/stderr that pushes whole lines to `lines`: a chunk can end mid-line,
 * and half a JSON log line is not a log line. One listener per stream (each keeps its own partial line).
 */
export function lineCollector(lines: string[]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  };
}

/**
 * The environment a worker process (the bundle, or the image layout's CMD) needs to run against the stand-ins: the
 * Pub/Sub fake, the GCS stand-in and the GitHub stand-in, health server on an ephemeral loopback port, no metadata
 * server. Callers add PATH/HOME and their own tuning (concurrency, grace, bundled model).
 */
export function workerProcessEnv(o: {
  subscription: string;
  bucket: string;
  pubsubHost: string;
  gcsEndpoint: string;
  gh: { appId: number; url: string };
}): Record<string, string> {
  return {
    METADATA_SERVER_DETECTION: 'none',
    LOG_LEVEL: 'info',
    WORKER_HTTP_PORT: '0',
    WORKER_HTTP_HOST: '127.0.0.1',
    PUBSUB_SUBSCRIPTION: o.subscription,
    PUBSUB_PROJECT_ID: PROJECT,
    PUBSUB_API_ENDPOINT: o.pubsubHost,
    LABEL_BOT_BUCKET: o.bucket,
    STORAGE_API_ENDPOINT: o.gcsEndpoint,
    APP_ID: String(o.gh.appId),
    PRIVATE_KEY: testPrivateKey(),
    GITHUB_API_URL: o.gh.url,
  };
}
