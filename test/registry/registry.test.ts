/** Model registry + publish/rollback against the GCS stand-in through the real @google-cloud/storage client. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/ml/types';
import {
  GcsModelStore,
  ModelRegistry,
  NoModelError,
  PublishRefusedError,
  StoreUnavailableError,
  listModels,
  parseScope,
  publishModel,
  rollbackModel,
  type ArtifactLoader,
} from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';

const MAGIC = 'TESTONNX';

/**
 * Stand-in for the ONNX loader: the registry's contract with it is "bytes in, classifier out, throws on garbage".
 * The real loader is exercised in the worker suites.
 */
function stubLoader(calls: string[]): ArtifactLoader {
  return async (onnx, modelJson, source) => {
    calls.push(source);
    if (!onnx.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new Error('not an ONNX model');
    const labels = (modelJson as { labels: string[] }).labels;
    const classifier: Classifier = {
      version: source,
      labels,
      predict: async (issues) =>
        issues.map(() => ({ labels: [labels[0]!], scores: [{ label: labels[0]!, score: 0.9, threshold: 0.5 }] })),
    };
    return classifier;
  };
}

function modelDir(score: number | null, padding = 0, label = 'bug'): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-model-'));
  writeFileSync(
    join(dir, 'model.onnx'),
    Buffer.concat([Buffer.from(MAGIC), Buffer.alloc(padding, 1), Buffer.from(String(Math.random()))]),
  );
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 1,
      labels: [label, 'feature'],
      created_at: new Date().toISOString(),
      ...(score === null ? {} : { metrics: { score } }),
    }),
  );
  return dir;
}

describe('model registry on GCS', () => {
  let gcs: GcsStandIn;
  let store: GcsModelStore;
  let bucket = 0;
  beforeAll(async () => {
    gcs = await startGcsStandIn();
  });
  afterAll(async () => gcs?.stop());
  beforeEach(() => {
    const name = `models-${bucket++}`;
    gcs.createBucket(name);
    const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'test', retryOptions: { autoRetry: false } });
    store = new GcsModelStore(storage, name);
  });

  const publish = (
    scope: string,
    score: number | null,
    extra: { force?: boolean; padding?: number; label?: string } = {},
  ) =>
    publishModel({
      store,
      scope: parseScope(scope),
      dir: modelDir(score, extra.padding, extra.label),
      force: extra.force,
    });

  it('resolves repo → org → universal, and documents the layout in object names', async () => {
    const calls: string[] = [];
    const registry = new ModelRegistry({ store, loader: stubLoader(calls), pointerTtlMs: 0 });
    await expect(registry.resolve('Acme', 'Widgets')).rejects.toBeInstanceOf(NoModelError);

    const u = await publish('*', 0.7);
    expect(await registry.resolve('acme', 'widgets')).toMatchObject({
      source: 'universal',
      scope: '*',
      version: u.version,
    });

    const o = await publish('acme/*', 0.7);
    expect(await registry.resolve('acme', 'widgets')).toMatchObject({
      source: 'org',
      scope: 'acme/*',
      version: o.version,
    });
    expect(await registry.resolve('other', 'repo')).toMatchObject({ source: 'universal' });

    const r = await publish('Acme/Widgets', 0.8);
    const resolved = await registry.resolve('ACME', 'widgets');
    expect(resolved).toMatchObject({ source: 'repo', scope: 'acme/widgets', version: r.version });
    expect(resolved.classifier.version).toBe(`acme/widgets/${r.version}`);

    const names = gcs.list(store.bucketName);
    expect(names).toContain('models/_universal/current.json');
    expect(names).toContain(`models/_universal/${u.version}/model.onnx`);
    expect(names).toContain('models/acme/_org/current.json');
    expect(names).toContain(`models/acme/widgets/${r.version}/model.json`);
    expect(JSON.parse(gcs.get(store.bucketName, 'models/acme/widgets/current.json')!.data.toString())).toMatchObject({
      version: r.version,
      published_at: expect.any(String),
    });
  });

  it('falls back past a corrupt model (stored garbage, in-transit corruption, bad pointer) and counts it', async () => {
    const calls: string[] = [];
    const registry = new ModelRegistry({ store, loader: stubLoader(calls), pointerTtlMs: 0 });
    await publish('*', 0.7);
    const o = await publish('acme/*', 0.7);
    const r = await publish('acme/widgets', 0.8);
    gcs.corruptStored(store.bucketName, `models/acme/widgets/${r.version}/model.onnx`);
    expect(await registry.resolve('acme', 'widgets')).toMatchObject({ source: 'org', version: o.version });
    expect(registry.stats.corrupt).toBe(1);
    // The bad version is remembered: no re-download on the next message.
    const before = gcs.requests.length;
    expect(await registry.resolve('acme', 'widgets')).toMatchObject({ source: 'org' });
    expect(gcs.requests.slice(before).some((q) => q.path.includes(`${r.version}`))).toBe(false);

    gcs.corruptDownloads = true;
    try {
      const fresh = new ModelRegistry({ store, loader: stubLoader([]), pointerTtlMs: 0 });
      await expect(fresh.resolve('acme', 'gadgets')).rejects.toBeInstanceOf(NoModelError);
      expect(fresh.stats.corrupt).toBe(2); // org and universal both failed their checksums
    } finally {
      gcs.corruptDownloads = false;
    }

    gcs.seed(store.bucketName, 'models/acme/gizmos/current.json', '{not json');
    expect(await registry.resolve('acme', 'gizmos')).toMatchObject({ source: 'org' });
  });

  it('uses the bundled model only when GCS has nothing usable', async () => {
    const bundled: Classifier = { version: 'bundled/universal', labels: ['bug'], predict: async () => [] };
    const registry = new ModelRegistry({
      store,
      loader: stubLoader([]),
      pointerTtlMs: 0,
      bundledFallback: async () => bundled,
    });
    expect(await registry.resolve('a', 'b')).toMatchObject({ source: 'bundled', version: 'bundled/universal' });
  });

  it('single-flight: a burst for one repo downloads and loads the model once', async () => {
    const calls: string[] = [];
    const registry = new ModelRegistry({ store, loader: stubLoader(calls), pointerTtlMs: 60_000 });
    const r = await publish('acme/widgets', 0.8);
    const before = gcs.requests.length;
    const results = await Promise.all(Array.from({ length: 12 }, () => registry.resolve('acme', 'widgets')));
    expect(new Set(results.map((x) => x.classifier)).size).toBe(1);
    expect(calls).toEqual([`acme/widgets/${r.version}`]);
    const onnxDownloads = gcs.requests
      .slice(before)
      .filter((q) => q.path.endsWith('model.onnx') && q.query.alt === 'media');
    expect(onnxDownloads).toHaveLength(1);
    const pointerReads = gcs.requests
      .slice(before)
      .filter((q) => q.path.endsWith('current.json') && q.query.alt === 'media');
    expect(pointerReads).toHaveLength(1);
    expect(registry.stats.cacheMisses).toBe(1);
    expect(registry.stats.cacheHits).toBe(11);
  });

  it('keeps the cache within its byte bound (LRU)', async () => {
    const loads: string[] = [];
    const registry = new ModelRegistry({
      store,
      loader: stubLoader(loads),
      pointerTtlMs: 60_000,
      maxCacheBytes: 5_000,
    });
    for (const repo of ['a', 'b', 'c', 'd']) await publish(`acme/${repo}`, 0.8, { padding: 2_000 });
    await registry.resolve('acme', 'a');
    await registry.resolve('acme', 'b');
    await registry.resolve('acme', 'a'); // a is now most recently used
    await registry.resolve('acme', 'c'); // evicts b, the least recently used
    expect(registry.stats).toMatchObject({ cachedModels: 2, evictions: 1 });
    expect(registry.stats.cachedBytes).toBeLessThanOrEqual(5_000);
    const repoOf = (source: string) => source.split('/').slice(0, 2).join('/');
    expect(loads.map(repoOf)).toEqual(['acme/a', 'acme/b', 'acme/c']);
    // a and c are served from memory; b has to be loaded again.
    await registry.resolve('acme', 'a');
    await registry.resolve('acme', 'c');
    expect(loads.map(repoOf)).toEqual(['acme/a', 'acme/b', 'acme/c']);
    await registry.resolve('acme', 'b');
    expect(loads.map(repoOf)).toEqual(['acme/a', 'acme/b', 'acme/c', 'acme/b']);
    await registry.resolve('acme', 'd');
    expect(registry.stats.cachedBytes).toBeLessThanOrEqual(5_000);
    expect(registry.stats.evictions).toBe(3);
  });

  it('picks up a newly published version after the pointer TTL, without a restart', async () => {
    let now = 1_000_000;
    const registry = new ModelRegistry({ store, loader: stubLoader([]), pointerTtlMs: 30_000, now: () => now });
    const v1 = await publish('acme/widgets', 0.8);
    expect((await registry.resolve('acme', 'widgets')).version).toBe(v1.version);
    const v2 = await publish('acme/widgets', 0.85);
    now += 10_000;
    expect((await registry.resolve('acme', 'widgets')).version).toBe(v1.version); // still within TTL
    now += 30_000;
    expect((await registry.resolve('acme', 'widgets')).version).toBe(v2.version);
  });

  it('rides out a GCS outage with cached models, and reports it as unavailable when nothing is cached', async () => {
    let now = 0;
    const registry = new ModelRegistry({ store, loader: stubLoader([]), pointerTtlMs: 1_000, now: () => now });
    const v1 = await publish('acme/widgets', 0.8);
    await publish('*', 0.7);
    await registry.resolve('acme', 'widgets');
    gcs.setOutage(true);
    try {
      now += 5_000;
      expect((await registry.resolve('acme', 'widgets')).version).toBe(v1.version);
      // Never silently downgrade a repo to a broader model because GCS blinked.
      await expect(registry.resolve('acme', 'cold')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(registry.stats.corrupt).toBe(0);
    } finally {
      gcs.setOutage(false);
    }
    expect(await registry.resolve('acme', 'cold')).toMatchObject({ source: 'universal' });
  });
});

describe('publish / rollback / list', () => {
  let gcs: GcsStandIn;
  let store: GcsModelStore;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: ['pub'] });
    store = new GcsModelStore(
      new Storage({ apiEndpoint: gcs.endpoint, projectId: 'test', retryOptions: { autoRetry: false } }),
      'pub',
    );
  });
  afterAll(async () => gcs?.stop());

  it('refuses a model whose held-out score is worse than current unless forced; rollback walks back', async () => {
    const scope = parseScope('acme/widgets');
    const v1 = await publishModel({ store, scope, dir: modelDir(0.8), now: new Date('2026-01-01T00:00:00Z') });
    expect(v1.previous).toBeNull();
    const v2 = await publishModel({ store, scope, dir: modelDir(0.82), now: new Date('2026-01-02T00:00:00Z') });
    expect(v2).toMatchObject({ previous: v1.version, score: 0.82, previousScore: 0.8 });

    await expect(publishModel({ store, scope, dir: modelDir(0.75) })).rejects.toBeInstanceOf(PublishRefusedError);
    await expect(publishModel({ store, scope, dir: modelDir(null) })).rejects.toThrow(/no held-out/);
    expect((await store.readPointer(scope))?.pointer.version).toBe(v2.version);

    const v3 = await publishModel({
      store,
      scope,
      dir: modelDir(0.75),
      force: true,
      now: new Date('2026-01-03T00:00:00Z'),
    });
    expect((await store.readPointer(scope))?.pointer).toMatchObject({ version: v3.version, previous: v2.version });

    const listing = await listModels(store, scope);
    expect(listing.current).toBe(v3.version);
    expect(listing.versions.map((v) => [v.version, v.current, v.score])).toEqual([
      [v1.version, false, 0.8],
      [v2.version, false, 0.82],
      [v3.version, true, 0.75],
    ]);

    expect(await rollbackModel({ store, scope })).toEqual({ from: v3.version, to: v2.version });
    expect((await store.readPointer(scope))?.pointer).toMatchObject({ version: v2.version, previous: v1.version });
    expect(await rollbackModel({ store, scope })).toEqual({ from: v2.version, to: v1.version });
    await expect(rollbackModel({ store, scope })).rejects.toThrow(/no previous version/);
    expect(await rollbackModel({ store, scope, to: v3.version })).toEqual({ from: v1.version, to: v3.version });
    await expect(rollbackModel({ store, scope, to: 'nope' })).rejects.toThrow(/does not exist/);
  });

  it('a concurrent pointer move makes the slower publish fail instead of overwriting', async () => {
    const scope = parseScope('acme/race');
    await publishModel({ store, scope, dir: modelDir(0.8) });
    const slowStore = Object.create(store) as GcsModelStore;
    const realRead = store.readPointer.bind(store);
    let raced = false;
    slowStore.readPointer = async (s) => {
      const read = await realRead(s);
      if (!raced) {
        raced = true;
        await publishModel({ store, scope, dir: modelDir(0.9) });
      }
      return read;
    };
    await expect(publishModel({ store: slowStore, scope, dir: modelDir(0.85) })).rejects.toThrow(
      /moved while publishing/,
    );
  });
});
