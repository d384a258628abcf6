/**
 * One measured worker run for part 4. The worker is either as shipped (gcp-worker/src/main.ts in its own process,
 * worker-pod.ts) or startWorker in this process with Octokit's throttle off; either way real Pub/Sub subscriber
 * against the in-process gRPC fake, real GCS client against the GCS stand-in, the ML core's ONNX loader, real
 * Probot/Octokit from createOctokitFactory against the GitHub stand-in. It handles N forwarded issues spread over
 * some repos, each repo in its own org and so its own installation.
 * Throughput = N / (time from the first publish to the N-th handled message), after one warm-up message per repo has
 * loaded the model, resolved each repo's model pointers and fetched each installation's token.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { artifactLoader } from '../../gcp-worker/src/ml-loaders';
import type { CountableClient } from '../../gcp-worker/src/process-message';
import { settingsFromEnv, type WorkerSettings } from '../../gcp-worker/src/settings';
import { startWorker } from '../../gcp-worker/src/start-worker';
import { createOctokitFactory } from '../../src/github/octokit';
import { buildForwardedIssue, messageAttributes, type IssuesPayloadLike } from '../../src/pubsub/publisher';
import { GcsModelStore, parseScope, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../../test/support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../../test/support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../../test/support/pubsub-fake';
import { workerResults } from '../../test/support/worker-results';
import type { BenchContext } from '../lib/context';
import { startWorkerPod } from './worker-pod';
import { median, perSecond, summarize } from '../lib/stats';

const PROJECT = 'label-bot-bench-worker';
const BUCKET = 'label-bot-models';

export interface WorkerEnv {
  gh: GitHubStandIn;
  pubsub: PubSubFake;
  gcs: GcsStandIn;
  admin: PubSub;
  privateKey: string;
  /** The model's labels, created in every repo up front as a real repo has them (else the first labeling of each
   *  label is a REST label creation, a third call). */
  labels: readonly string[];
  close(): Promise<void>;
}

export interface RunSpec {
  /** Messages the in-process worker takes at once (flow control); as shipped it is always the production default. */
  concurrency?: number;
  issues: number;
  /**
   * true: as shipped, gcp-worker/src/main.ts in its own process (production Octokit factory, throttle and budget,
   * settings from the environment); false: startWorker in the bench process with Octokit's throttle off.
   */
  throttled: boolean;
  /** Issues go round-robin to these repos; each `owner/name` is its own org and installation. */
  repos: readonly string[];
}

export interface RunFigures {
  concurrency: number;
  throttled: boolean;
  installations: number;
  issues: number;
  ms: number;
  issuesPerSecond: number;
  /** ms after the first publish at which the k-th message (1-based, in handling order) was handled. */
  handledAtMs: number[];
  latency: ReturnType<typeof summarize>;
  outcomes: Record<string, number>;
  githubCallsPerIssue: number;
  githubCallsMax: number;
  /** calls per labeled issue → number of issues (stand-in counters). */
  githubCallsHistogram: Record<string, number>;
  /** Mean calls per labeled issue by endpoint (stand-in counters). */
  githubCallsByEndpoint: Record<string, number>;
  /** CPU of the bench process during the measurement. */
  cpuMs: number;
  /** CPU of the worker alone: its process when it runs as a pod, else the bench process again. */
  workerCpuMs: number;
  process: string;
}

/** The worker's settings as the ConfigMap would give them: settingsFromEnv's defaults, loopback endpoints. */
export function benchWorkerSettings(subscription: string, env: WorkerEnv, concurrency?: number): WorkerSettings {
  const shipped = settingsFromEnv({
    PUBSUB_SUBSCRIPTION: subscription,
    LABEL_BOT_BUCKET: BUCKET,
    ...(concurrency ? { WORKER_CONCURRENCY: String(concurrency) } : {}),
  });
  return {
    ...shipped,
    projectId: PROJECT,
    pubsubApiEndpoint: env.pubsub.host,
    storageApiEndpoint: env.gcs.endpoint,
    httpPort: 0,
    httpHost: '127.0.0.1',
    shutdownGraceSeconds: 5,
  };
}

type ResultListener = (r: { outcome: string; latencyMs: number }) => void;

/** A started worker on its own topic; several runs can share one (each its own repos, so its own budgets). */
export interface WorkerTarget {
  topic: Topic;
  worker: RunningWorker;
  close(): Promise<void>;
}

interface RunningWorker {
  concurrency: number;
  /** Replaces the previous listener. */
  listen(listener: ResultListener): void;
  cpuMs(): number;
  stop(): Promise<void>;
}

/** One subscription to a log's results, whose target can be swapped. */
function listener(subscribe: (l: ResultListener) => void): (l: ResultListener) => void {
  let current: ResultListener = () => undefined;
  subscribe((r) => current(r));
  return (l) => void (current = l);
}

/** A topic, its subscription and a worker on it: as shipped (its own process), or in this process, throttle off. */
export async function openWorker(
  env: WorkerEnv,
  spec: Pick<RunSpec, 'throttled' | 'concurrency'>,
): Promise<WorkerTarget> {
  const id = randomUUID().slice(0, 8);
  const [topic] = await env.admin.createTopic(`issues-${id}`);
  const subscription = `worker-${id}`;
  await topic.createSubscription(subscription, { ackDeadlineSeconds: 60, enableMessageOrdering: true });
  const worker = spec.throttled
    ? await shippedWorker(env, subscription)
    : await inProcessWorker(env, subscription, spec.concurrency);
  return {
    topic,
    worker,
    async close() {
      await worker.stop();
      await topic.delete().catch(() => undefined);
    },
  };
}

/** As shipped: gcp-worker/src/main.ts in a child process, configured by the environment alone. */
async function shippedWorker(env: WorkerEnv, subscription: string): Promise<RunningWorker> {
  const pod = await startWorkerPod({
    appId: String(env.gh.appId),
    privateKey: env.privateKey,
    githubUrl: env.gh.url,
    pubsubHost: env.pubsub.host,
    projectId: PROJECT,
    subscription,
    bucket: BUCKET,
    gcsEndpoint: env.gcs.endpoint,
  });
  return {
    concurrency: pod.concurrency,
    listen: listener(pod.onResult),
    cpuMs: () => pod.cpuSeconds() * 1000,
    stop: () => pod.stop(),
  };
}

/** Throttle off: the same startWorker wiring in the bench process, Octokit's throttling plugin disabled. */
async function inProcessWorker(env: WorkerEnv, subscription: string, concurrency?: number): Promise<RunningWorker> {
  const credentials = { appId: String(env.gh.appId), privateKey: env.privateKey, baseUrl: env.gh.url };
  const octokits = createOctokitFactory(credentials, { octokitDefaults: { throttle: { enabled: false } } });
  const settings = benchWorkerSettings(subscription, env, concurrency);
  // Results are read from the worker's `message handled` log lines, as an operator would.
  const log = workerResults();
  const worker = await startWorker({
    settings,
    loader: artifactLoader(),
    installationClient: async (installationId) =>
      (await octokits.installation(installationId)) as unknown as CountableClient,
    pubsub: new PubSub({ apiEndpoint: env.pubsub.host, projectId: PROJECT }),
    storage: new Storage({ apiEndpoint: env.gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
    defaultMetrics: false,
    log: log.log,
  });
  return {
    concurrency: settings.concurrency,
    listen: listener(log.onResult),
    cpuMs: () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    },
    stop: () => worker.stop(),
  };
}

/** The stand-ins, the model published as the universal model (every repo resolves to it), GitHub's latency. */
export async function startWorkerEnv(ctx: BenchContext): Promise<WorkerEnv> {
  const gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false }, rateLimit: 1_000_000 });
  // Every answer after a GitHub-like round trip (--github-latency-ms), token requests included.
  if (ctx.githubLatencyMs > 0) gh.faults.add({ kind: 'latency', latencyMs: ctx.githubLatencyMs });
  const pubsub = await startPubSubFake();
  const gcs = await startGcsStandIn({ buckets: [BUCKET] });
  const admin = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
  const privateKey = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } });
  const model = await ctx.model();
  await publishModel({ store: new GcsModelStore(storage, BUCKET), scope: parseScope('*'), dir: model.dir });
  const labels = await modelLabels(model.dir);
  return {
    gh,
    pubsub,
    gcs,
    admin,
    privateKey,
    labels,
    async close() {
      await admin.close();
      await gh.close();
      await pubsub.stop();
      await gcs.stop();
    },
  };
}

async function modelLabels(dir: string): Promise<string[]> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { labels?: string[] };
  return json.labels ?? [];
}

function histogram(xs: readonly number[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const x of xs) h[x] = (h[x] ?? 0) + 1;
  return h;
}

/** `org-07/repo` style names: one org (and installation) per repo. */
export function reposOf(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}/issues`);
}

export async function runWorkerOnce(
  ctx: BenchContext,
  env: WorkerEnv,
  spec: RunSpec,
  shared?: WorkerTarget,
): Promise<RunFigures> {
  const { gh } = env;
  for (const repo of spec.repos) {
    const r = gh.createRepo(repo);
    for (const l of env.labels) gh.store.ensureLabel(r, l);
  }
  let handled = 0;
  const handledAt: number[] = [];
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let t0 = 0;
  let measuring = false;
  let waiter: { count: number; resolve: () => void } | null = null;
  const onResult = (r: { outcome: string; latencyMs: number }) => {
    handled++;
    if (measuring) {
      handledAt.push(performance.now() - t0);
      latencies.push(r.latencyMs);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    }
    if (waiter && handled >= waiter.count) waiter.resolve();
  };
  const target = shared ?? (await openWorker(env, spec));
  const { topic, worker } = target;
  worker.listen(onResult);
  const until = (count: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (handled >= count) return resolve();
      const t = setTimeout(
        () => reject(new Error(`worker handled ${handled}/${count} messages in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiter = { count, resolve: () => (clearTimeout(t), resolve()) };
    });
  const texts = ctx.data.rows;
  let seq = 0;
  const publish = (t: Topic, repo: string) => {
    const row = texts[seq++ % texts.length]!;
    const issue = gh.createIssue(repo, { title: row.title, body: row.body ?? null, user: 'alice', webhook: false });
    const msg = buildForwardedIssue(
      gh.issuesPayload(repo, issue.number, 'opened') as unknown as IssuesPayloadLike,
      randomUUID(),
      { ratio: 1, bucket: 0.5, mode: 'active' },
      new Date(),
    );
    return {
      ref: { repo, number: issue.number },
      done: t.publishMessage({ data: Buffer.from(JSON.stringify(msg)), attributes: { ...messageAttributes(msg) } }),
    };
  };
  try {
    // Warm-up, one message per repo: model download + ONNX session, pointers, each installation's token, gRPC stream.
    await Promise.all(spec.repos.map((repo) => publish(topic, repo).done));
    await until(spec.repos.length, 120_000);
    const warm = handled;
    const refs: { repo: string; number: number }[] = [];
    const cpu0 = process.cpuUsage();
    const workerCpu0 = worker.cpuMs();
    measuring = true;
    t0 = performance.now();
    const pending = [];
    for (let i = 0; i < spec.issues; i++) {
      const p = publish(topic, spec.repos[i % spec.repos.length]!);
      refs.push(p.ref);
      pending.push(p.done);
    }
    await Promise.all(pending);
    await until(warm + spec.issues, 15 * 60_000);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const workerCpuMs = worker.cpuMs() - workerCpu0;
    const labeled = refs.filter((r) => gh.issue(r.repo, r.number).labels.length > 0);
    const calls = labeled.map((r) => gh.counters.forIssue(r.repo, r.number));
    const snap = gh.counters.snapshot().byIssue;
    const endpoints: Record<string, number[]> = {};
    for (const r of labeled) {
      const byEndpoint = snap[`${r.repo}#${r.number}`.toLowerCase()]?.byEndpoint ?? {};
      for (const [e, c] of Object.entries(byEndpoint)) (endpoints[e] ??= []).push(c);
    }
    return {
      concurrency: worker.concurrency,
      throttled: spec.throttled,
      process: spec.throttled ? 'gcp-worker/src/main.ts in its own process' : 'startWorker in the bench process',
      installations: spec.repos.length,
      issues: spec.issues,
      ms,
      issuesPerSecond: perSecond(spec.issues, ms),
      handledAtMs: handledAt,
      latency: summarize(latencies),
      outcomes: { ...outcomes, labeledOnGitHub: labeled.length },
      githubCallsPerIssue: median(calls),
      githubCallsMax: calls.length ? Math.max(...calls) : Number.NaN,
      githubCallsHistogram: histogram(calls),
      githubCallsByEndpoint: Object.fromEntries(
        Object.entries(endpoints).map(([e, cs]) => [e, cs.reduce((a, b) => a + b, 0) / labeled.length]),
      ),
      cpuMs: (cpu.user + cpu.system) / 1000,
      workerCpuMs,
    };
  } finally {
    worker.listen(() => undefined);
    if (!shared) await target.close();
  }
}
