/**
 * The worker with real ONNX models trained by the ML core, and the production entry point (gcp-worker/src/main.ts)
 * run as a child process: SIGTERM mid-processing loses nothing. GitHub is the HTTP GitHub stand-in, which the child
 * process reaches through GITHUB_API_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactLoader, loadBundledModel } from '../../gcp-worker/src/ml-loaders';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel } from '../../src/ml/train';
import type { LabeledIssue } from '../../src/ml/dataset';
import { GcsModelStore, ModelRegistry, parseScope, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { forwardedIssue, lineCollector, waitUntil, workerProcessEnv } from './harness';

const ROOT = resolve(__dirname, '../..');
const PROJECT = 'label-bot-test';
const BUCKET = 'real-models';

const VOCAB: Record<string, string[]> = {
  bug: ['crash', 'error', 'exception', 'broken', 'fails'],
  feature: ['please add', 'support for', 'would be nice', 'request', 'enhancement'],
  question: ['how do i', 'how to', 'is it possible', 'question', 'help'],
};

/** A tiny, clearly separable data set: enough for the real trainer, exporter and onnxruntime to run end to end. */
function tinyRows(labelMap: Record<string, string> = {}): LabeledIssue[] {
  const rows: LabeledIssue[] = [];
  for (const [label, words] of Object.entries(VOCAB)) {
    for (let i = 0; i < 20; i++) {
      rows.push({
        repo: 'acme/widgets',
        title: `${words[i % 5]} ${['app', 'cli', 'server', 'ui'][i % 4]} ${i}`,
        body: `details ${words[(i + 2) % 5]}`,
        labels: [labelMap[label] ?? label],
      });
    }
  }
  return rows;
}

function trainTiny(name: string, labelMap?: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `lb-real-${name}-`));
  const model = trainModel(tinyRows(labelMap), { folds: 3, featurizer: { dim: 1 << 12 } });
  writeModelDir(dir, model, { name, createdAt: '2026-01-01T00:00:00Z' });
  return dir;
}

describe('real ONNX models through the registry', () => {
  let gcs: GcsStandIn;
  let store: GcsModelStore;
  let universalDir: string;
  let repoDir: string;
  beforeAll(async () => {
    universalDir = trainTiny('universal');
    repoDir = trainTiny('acme-widgets', { bug: 'kind/bug', feature: 'kind/feature', question: 'kind/question' });
    gcs = await startGcsStandIn({ buckets: [BUCKET] });
    store = new GcsModelStore(
      new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
      BUCKET,
    );
  });
  afterAll(async () => gcs?.stop());

  it('loads a published model with onnxruntime, predicts, and falls back past a corrupt one', async () => {
    const u = await publishModel({ store, scope: parseScope('*'), dir: universalDir });
    const r = await publishModel({ store, scope: parseScope('acme/widgets'), dir: repoDir });
    expect(u.score).toBeGreaterThan(0.5); // the trainer's held-out macro-F1 from model.json
    const registry = new ModelRegistry({ store, loader: artifactLoader(), pointerTtlMs: 0 });
    const resolved = await registry.resolve('acme', 'widgets');
    expect(resolved).toMatchObject({ source: 'repo', version: r.version });
    const [prediction] = await resolved.classifier.predict([{ title: 'crash app 7', body: 'details error' }]);
    expect(prediction?.labels).toEqual(['kind/bug']);

    // A damaged model.onnx no longer matches model.json's sha256: the loader refuses it, the registry falls back.
    gcs.corruptStored(BUCKET, `models/acme/widgets/${r.version}/model.onnx`);
    const fresh = new ModelRegistry({ store, loader: artifactLoader(), pointerTtlMs: 0 });
    const fallback = await fresh.resolve('acme', 'widgets');
    expect(fallback).toMatchObject({ source: 'universal', version: u.version });
    expect(fresh.stats.corrupt).toBe(1);
    const [p2] = await fallback.classifier.predict([{ title: 'how do i configure it', body: 'question' }]);
    expect(p2?.labels).toEqual(['question']);
  });
});

const BUNDLED = join(ROOT, 'models/universal');
describe.skipIf(!existsSync(join(BUNDLED, 'model.json')))(
  existsSync(join(BUNDLED, 'model.json'))
    ? 'bundled universal model'
    : 'bundled universal model: SKIPPED — models/universal not present',
  () => {
    it('is the last resort when GCS has no model at all', async () => {
      const gcs = await startGcsStandIn({ buckets: ['empty'] });
      try {
        const store = new GcsModelStore(
          new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
          'empty',
        );
        const registry = new ModelRegistry({
          store,
          loader: artifactLoader(),
          pointerTtlMs: 0,
          bundledFallback: () => loadBundledModel(BUNDLED),
        });
        const resolved = await registry.resolve('acme', 'widgets');
        expect(resolved.source).toBe('bundled');
        const [p] = await resolved.classifier.predict([
          { title: 'App crashes with a null pointer exception on start', body: 'stack trace attached' },
        ]);
        expect(p?.scores.length).toBeGreaterThan(0);
        expect(await registry.canLoadAny()).toBe(true);
      } finally {
        await gcs.stop();
      }
    });
  },
);

describe('worker process (the esbuild bundle of gcp-worker/src/main.ts) with SIGTERM mid-processing', () => {
  let pubsub: PubSubFake;
  let gcs: GcsStandIn;
  let gh: GitHubStandIn;
  let client: PubSub;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    pubsub = await startPubSubFake();
    gcs = await startGcsStandIn({ buckets: [BUCKET] });
    gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    client = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
    const store = new GcsModelStore(
      new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT, retryOptions: { autoRetry: false } }),
      BUCKET,
    );
    await publishModel({ store, scope: parseScope('*'), dir: trainTiny('universal') });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await client?.close();
    await pubsub?.stop();
    await gcs?.stop();
    await gh?.close();
  });

  let bundle: string;
  beforeAll(async () => {
    // Run what the image runs: the esbuild bundle of main.ts (npm packages external, resolved from the repo).
    bundle = join(ROOT, 'dist', `worker-test-${randomUUID().slice(0, 8)}`, 'worker.mjs');
    await build({
      entryPoints: [join(ROOT, 'gcp-worker/src/main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      outfile: bundle,
      logLevel: 'silent',
    });
  });
  afterAll(() => rmSync(dirname(bundle), { recursive: true, force: true }));

  function startWorkerProcess(subscription: string, logs: string[]): ChildProcess {
    const child = spawn(process.execPath, [bundle], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...workerProcessEnv({ subscription, bucket: BUCKET, pubsubHost: pubsub.host, gcsEndpoint: gcs.endpoint, gh }),
        WORKER_CONCURRENCY: '2',
        WORKER_SHUTDOWN_GRACE_SECONDS: '20',
        BUNDLED_MODEL_DIR: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout?.on('data', lineCollector(logs));
    child.stderr?.on('data', lineCollector(logs));
    return child;
  }

  const handled = (logs: string[]): { action: string; issue: string; labels?: string[] }[] =>
    logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; action: string; issue: string; labels?: string[] })
      .filter((l) => l.msg === 'message handled');

  it('finishes in-flight messages, exits 0, and a new process labels the rest: every issue labeled once', async () => {
    const id = randomUUID().slice(0, 8);
    const [topic] = await client.createTopic(`issues-${id}`);
    const subscription = `worker-${id}`;
    await topic.createSubscription(subscription, { ackDeadlineSeconds: 10, enableMessageOrdering: true });
    gh.createRepo('acme/widgets');
    const installation = gh.installationId('acme');
    const total = 6;
    for (let n = 1; n <= total; n++)
      gh.createIssue('acme/widgets', { title: `crash server ${n}`, body: 'details error', number: n, webhook: false });
    // Slow label writes so the SIGTERM lands while messages are being processed, on both write paths (REST while the
    // label is new to the repo, then labels and comment in one mutation). Issues 3–6 are much slower than 1–2, so the
    // whole batch takes far longer than the wait for the first decision: the shutdown lands mid-run by construction,
    // not because a loaded CI box happened to be quick enough.
    for (let n = 1; n <= total; n++) {
      const latencyMs = n <= 2 ? 1000 : 5000;
      const issue = `acme/widgets#${n}`;
      gh.faults.add({
        kind: 'latency',
        method: 'POST',
        route: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
        issue,
        latencyMs,
      });
      gh.faults.add({ kind: 'latency', route: 'graphql:LabelBotApplyDecision', issue, latencyMs });
    }

    const logs1: string[] = [];
    const first = startWorkerProcess(subscription, logs1);
    for (let n = 1; n <= total; n++) {
      const m = forwardedIssue('acme', 'widgets', n, { installation_id: installation });
      await topic.publishMessage({
        json: m,
        attributes: { repo: 'acme/widgets', issue: String(n), delivery_id: m.delivery_id },
      });
    }
    await waitUntil(
      () => gh.counters.snapshot().total > 0 && pubsub.leased(subscription) > 0,
      60_000,
      'worker processing',
    );
    await waitUntil(
      () => logs1.some((l) => l.includes('"label decision"') || l.includes('label decision')),
      60_000,
      'first decision',
    );
    const exited = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
    first.kill('SIGTERM');
    const code = await exited;
    expect(code).toBe(0);
    if (process.env.DEBUG_WORKER_TEST) console.error(logs1.join('\n'));
    const firstAcked = handled(logs1).filter((h) => h.action === 'ack');
    expect(firstAcked.length).toBeGreaterThan(0);
    expect(firstAcked.length).toBeLessThan(total);
    expect(logs1.some((l) => l.includes('shutdown requested'))).toBe(true);
    expect(logs1.some((l) => l.includes('worker stopped'))).toBe(true);

    const logs2: string[] = [];
    const second = startWorkerProcess(subscription, logs2);
    await waitUntil(() => pubsub.pending(subscription) === 0, 90_000, 'all messages acked');
    for (let n = 1; n <= total; n++) {
      const issue = gh.issue('acme/widgets', n);
      expect(issue.labels, `issue ${n}`).toEqual(['bug']);
      expect(gh.botComments('acme/widgets', n), `issue ${n}`).toHaveLength(1);
    }
    const secondAcked = handled(logs2).filter((h) => h.action === 'ack');
    expect(firstAcked.length + secondAcked.length).toBeGreaterThanOrEqual(total);
    if (process.env.DEBUG_WORKER_TEST) console.error(logs2.join('\n'));
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    // Two process start-ups plus Octokit's production write throttling (≥ 1 s between writes) on a shared CI box.
  }, 180_000);
});
