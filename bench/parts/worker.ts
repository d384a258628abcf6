/**
 * Part 4 — the worker's throughput. The real worker (gcp-worker/src/start-worker startWorker: real Pub/Sub subscriber
 * against the in-process gRPC fake, real GCS client against the GCS stand-in, the ML core's ONNX loader, real
 * Probot/Octokit against the GitHub stand-in) processes N forwarded issues per concurrency setting.
 * Throughput = N / (time from the first publish to the N-th handled message), after one warm-up message has loaded
 * the model from GCS and the installation token. GitHub calls per issue come from the stand-in's counters.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { artifactLoader } from '../../gcp-worker/src/ml-loaders';
import type { CountableClient, ProcessResult } from '../../gcp-worker/src/process-message';
import type { WorkerSettings } from '../../gcp-worker/src/settings';
import { startWorker } from '../../gcp-worker/src/start-worker';
import { createOctokitFactory } from '../../src/github/octokit';
import { buildForwardedIssue, messageAttributes, type IssuesPayloadLike } from '../../src/pubsub/publisher';
import { GcsModelStore, parseScope, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../../test/support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../../test/support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../../test/support/pubsub-fake';
import { workerResults } from '../../test/support/worker-results';
import type { BenchContext } from '../lib/context';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';
import { median, perSecond, summarize } from '../lib/stats';

const PROJECT = 'label-bot-bench-worker';
const BUCKET = 'label-bot-bench-models';
const REPO = 'acme/worker';

interface Env {
  gh: GitHubStandIn;
  pubsub: PubSubFake;
  gcs: GcsStandIn;
  admin: PubSub;
  privateKey: string;
  nextNumber: number;
}

type Result = ProcessResult & { messageId: string; latencyMs: number };

interface RunFigures {
  concurrency: number;
  throttled: boolean;
  issues: number;
  ms: number;
  issuesPerSecond: number;
  latency: ReturnType<typeof summarize>;
  outcomes: Record<string, number>;
  githubCallsPerIssue: number;
  githubCallsMax: number;
  cpuMs: number;
}

async function run(
  ctx: BenchContext,
  env: Env,
  concurrency: number,
  n: number,
  throttled: boolean,
): Promise<RunFigures> {
  const { gh, pubsub, admin } = env;
  const id = randomUUID().slice(0, 8);
  const [topic] = await admin.createTopic(`issues-${id}`);
  const subscription = `worker-${id}`;
  await topic.createSubscription(subscription, { ackDeadlineSeconds: 60 });
  const octokits = createOctokitFactory(
    { appId: String(gh.appId), privateKey: env.privateKey, baseUrl: gh.url },
    // As shipped (main.ts): Octokit's defaults. Otherwise throttling off, to measure the worker itself.
    throttled ? {} : { octokitDefaults: { throttle: { enabled: false } } },
  );
  const settings: WorkerSettings = {
    subscription,
    projectId: PROJECT,
    pubsubApiEndpoint: pubsub.host,
    concurrency,
    maxDeliveryAttempts: 5,
    shutdownGraceSeconds: 5,
    maxLeaseMinutes: 5,
    httpPort: 0,
    httpHost: '127.0.0.1',
    bucket: BUCKET,
    storageApiEndpoint: env.gcs.endpoint,
    modelCacheMaxBytes: 256 * 1024 * 1024,
    pointerTtlSeconds: 60,
    badVersionTtlSeconds: 300,
    bundledModelDir: undefined,
    readyCacheSeconds: 15,
  };
  // Results are read from the worker's `message handled` log lines, as an operator would.
  const log = workerResults();
  const worker = await startWorker({
    settings,
    loader: artifactLoader(),
    installationClient: async (installationId) =>
      (await octokits.installation(installationId)) as unknown as CountableClient,
    pubsub: new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT }),
    storage: new Storage({ apiEndpoint: env.gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
    defaultMetrics: false,
    log: log.log,
  });
  const results: Result[] = [];
  let waiter: { count: number; resolve: () => void } | null = null;
  log.onResult((r) => {
    results.push(r);
    if (waiter && results.length >= waiter.count) waiter.resolve();
  });
  const until = (count: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (results.length >= count) return resolve();
      const t = setTimeout(
        () => reject(new Error(`worker handled ${results.length}/${count} messages in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiter = { count, resolve: () => (clearTimeout(t), resolve()) };
    });
  const texts = ctx.data.rows;
  const publish = (t: Topic) => {
    const number = env.nextNumber++;
    const row = texts[number % texts.length]!;
    gh.createIssue(REPO, { number, title: row.title, body: row.body ?? null, user: 'alice', webhook: false });
    const msg = buildForwardedIssue(
      gh.issuesPayload(REPO, number, 'opened') as unknown as IssuesPayloadLike,
      randomUUID(),
      { ratio: 1, bucket: 0.5, mode: 'active' },
      new Date(),
    );
    return {
      number,
      done: t.publishMessage({ data: Buffer.from(JSON.stringify(msg)), attributes: { ...messageAttributes(msg) } }),
    };
  };
  try {
    // Warm-up: model download + ONNX session, installation token, gRPC stream.
    await publish(topic).done;
    await until(1, 60_000);
    const warm = results.length;
    const numbers: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const pending = [];
    for (let i = 0; i < n; i++) {
      const p = publish(topic);
      numbers.push(p.number);
      pending.push(p.done);
    }
    await Promise.all(pending);
    await until(warm + n, throttled ? 10 * 60_000 : 5 * 60_000);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const measured = results.slice(warm);
    const outcomes: Record<string, number> = {};
    for (const r of measured) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const labeledNumbers = numbers.filter((num) => gh.issue(REPO, num).labels.length > 0);
    const calls = labeledNumbers.map((num) => gh.counters.forIssue(REPO, num));
    return {
      concurrency,
      throttled,
      issues: n,
      ms,
      issuesPerSecond: perSecond(n, ms),
      latency: summarize(measured.map((r) => r.latencyMs)),
      outcomes: { ...outcomes, labeledOnGitHub: labeledNumbers.length },
      githubCallsPerIssue: median(calls),
      githubCallsMax: calls.length ? Math.max(...calls) : NaN,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await worker.stop();
    await topic.delete().catch(() => undefined);
  }
}

export async function runWorker(ctx: BenchContext): Promise<PartResult> {
  const concurrencies = [1, 4, 16];
  const n = ctx.quick ? 10 : 500;
  const throttledN = 8;
  const gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false }, rateLimit: 1_000_000 });
  const pubsub = await startPubSubFake();
  const gcs = await startGcsStandIn({ buckets: [BUCKET] });
  const admin = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
  const privateKey = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const env: Env = { gh, pubsub, gcs, admin, privateKey, nextNumber: 1 };
  try {
    gh.createRepo(REPO);
    const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } });
    // The repo's own model in GCS (the worker resolves repo → org → universal).
    const model = await ctx.model();
    await publishModel({ store: new GcsModelStore(storage, BUCKET), scope: parseScope(REPO), dir: model.dir });
    const runs: RunFigures[] = [];
    for (const c of concurrencies) {
      ctx.log(`worker: concurrency ${c}, ${n} issues (throttle off)`);
      runs.push(await run(ctx, env, c, n, false));
    }
    let throttledRun: RunFigures | null = null;
    if (!ctx.quick) {
      ctx.log(`worker: concurrency 16, ${throttledN} issues, Octokit defaults as shipped (throttled)`);
      throttledRun = await run(ctx, env, 16, throttledN, true);
    }
    const target = { op: '>=' as const, value: 200 };
    const figures: Figure[] = runs.map((r) =>
      figure(`concurrency ${r.concurrency}: throughput (throttle off)`, r.issuesPerSecond, 'issues/s', {
        target,
        note: `${r.issues} issues; latency p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; ${r.outcomes.labeledOnGitHub} labeled`,
      }),
    );
    for (const r of runs) {
      figures.push(
        figure(
          `concurrency ${r.concurrency}: issues per CPU-second of this process`,
          perSecond(r.issues, r.cpuMs),
          'issues/CPU-s',
          { note: 'worker + stand-ins + Pub/Sub fake share the process; less disturbed by other load than wall time' },
        ),
      );
    }
    figures.push(
      throttledRun
        ? figure(
            'concurrency 16: throughput as shipped (Octokit throttle on)',
            throttledRun.issuesPerSecond,
            'issues/s',
            { target, note: `${throttledRun.issues} issues; latency p50 ${throttledRun.latency.p50.toFixed(0)} ms` },
          )
        : notMeasured(
            'concurrency 16: throughput as shipped (Octokit throttle on)',
            'issues/s',
            'skipped in --quick: ~1 s per GitHub write',
            target,
          ),
    );
    const allCalls = runs.map((r) => r.githubCallsPerIssue).filter((x) => Number.isFinite(x));
    figures.push(
      figure('GitHub API calls per labeled issue (median, stand-in counters)', median(allCalls), 'calls', {
        target: { op: '<=', value: 3 },
        note: `max ${Math.max(...runs.map((r) => r.githubCallsMax))}; counted per issue, so the per-installation token call is not included`,
      }),
    );
    return {
      part: 'worker',
      title: '4. Worker throughput and GitHub calls per issue',
      status: statusOf(figures),
      figures,
      notes: [
        `Real worker (startWorker) in this process with the Pub/Sub fake (gRPC), the GCS stand-in and the GitHub stand-in, all on loopback in the same process (their CPU counts against the worker's). Model "${model.name}" published to GCS for ${REPO}; ${n} forwarded issues per setting, all published at once after one warm-up message.`,
        `Per-message handler latency (p50 ${runs[0]!.latency.p50.toFixed(0)} ms at concurrency 1) is well below the time per message at concurrency 1 (${(runs[0]!.ms / runs[0]!.issues).toFixed(0)} ms): with flow control at \`concurrency\` messages the server only sends the next message once an ack arrives, and the client batches acks (@google-cloud/pubsub default up to 100 ms), so throughput ≈ concurrency / (handler latency + ack delay).`,
        "Throttle off: Octokit's throttling plugin disabled (retry as default). As shipped (gcp-worker/src/main.ts → createOctokitFactory with no defaults), every GraphQL query and REST write waits for the throttling plugin's process-wide write limiter (1 per second), so the worker cannot exceed ~1/3 issue per second whatever its concurrency.",
      ],
      details: { runs, throttledRun },
    };
  } finally {
    await admin.close();
    await gh.close();
    await pubsub.stop();
    await gcs.stop();
  }
}
