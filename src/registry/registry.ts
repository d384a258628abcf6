import type { Classifier } from '../ml/types';
import { createLogger, type Logger } from '../log/logger';
import { errorFields } from '../log/error-fields';
import { ModelCorruptError, NoModelError, StoreUnavailableError } from './errors';
import { resolutionChain, scopeKey, type ModelScope } from './layout';
import { LruByBytes } from './lru';
import type { GcsModelStore, ModelArtifacts, PointerRead } from './store';

/** Turns downloaded artifacts into a classifier; the worker passes the ML core's `classifierFromArtifacts`. */
export type ArtifactLoader = (onnx: Buffer, modelJson: unknown, source: string) => Promise<Classifier>;

export type ModelSource = 'repo' | 'org' | 'universal' | 'bundled';

export interface ResolvedModel {
  classifier: Classifier;
  source: ModelSource;
  /** `owner/repo`, `owner/*`, `*`, or `bundled`. */
  scope: string;
  version: string;
}

export interface RegistryStats {
  cacheHits: number;
  cacheMisses: number;
  loads: number;
  corrupt: number;
  evictions: number;
  cachedBytes: number;
  cachedModels: number;
  pointerReads: number;
  storeErrors: number;
}

export interface ModelRegistryOptions {
  store: Pick<GcsModelStore, 'readPointer' | 'readArtifacts' | 'bucketName'>;
  loader: ArtifactLoader;
  /** Upper bound on the bytes of model artifacts held in memory (default 512 MiB). */
  maxCacheBytes?: number;
  /** How long a pointer read (including "no pointer here") is trusted before GCS is asked again (default 60 s). */
  pointerTtlMs?: number;
  /** How long a version that failed to load is skipped before it is tried again (default 5 min). */
  badVersionTtlMs?: number;
  /**
   * Last resort when GCS has nothing usable: the universal model baked into the image. Without it, a repo whose
   * whole chain is missing or corrupt gets `NoModelError`.
   */
  bundledFallback?: () => Promise<Classifier>;
  now?: () => number;
  log?: Logger;
}

interface PointerEntry {
  read: PointerRead | null;
  checkedAt: number;
}

/**
 * Resolves the model for a repo (repo → org → universal [→ bundled]) with:
 * - an LRU cache bounded by artifact bytes,
 * - single-flight pointer reads and model loads (a burst of messages for one repo downloads once),
 * - pointers re-read after `pointerTtlMs`, so a newly published version is served without a restart,
 * - corrupt versions skipped (and counted) for `badVersionTtlMs`, falling back to the next level.
 * A GCS outage is not a corrupt model: stale pointers and cached models keep serving, and with nothing cached the
 * error propagates as `StoreUnavailableError` so the worker retries the message later.
 */
export class ModelRegistry {
  private readonly store: ModelRegistryOptions['store'];
  private readonly loader: ArtifactLoader;
  private readonly pointerTtlMs: number;
  private readonly badVersionTtlMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly bundledFallback?: () => Promise<Classifier>;
  private readonly models: LruByBytes<Classifier>;
  private readonly pointers = new Map<string, PointerEntry>();
  private readonly pointerFlights = new Map<string, Promise<PointerEntry>>();
  private readonly loadFlights = new Map<string, Promise<Classifier>>();
  private readonly badVersions = new Map<string, { until: number; error: string }>();
  private bundled: Promise<Classifier> | null = null;
  private readonly counters = {
    cacheHits: 0,
    cacheMisses: 0,
    loads: 0,
    corrupt: 0,
    evictions: 0,
    pointerReads: 0,
    storeErrors: 0,
  };

  constructor(opts: ModelRegistryOptions) {
    this.store = opts.store;
    this.loader = opts.loader;
    this.pointerTtlMs = opts.pointerTtlMs ?? 60_000;
    this.badVersionTtlMs = opts.badVersionTtlMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('registry');
    this.bundledFallback = opts.bundledFallback;
    this.models = new LruByBytes<Classifier>(opts.maxCacheBytes ?? 512 * 1024 * 1024, (key) => {
      this.counters.evictions++;
      this.log.info({ model: key }, 'model evicted from cache');
    });
  }

  get stats(): RegistryStats {
    return { ...this.counters, cachedBytes: this.models.bytes, cachedModels: this.models.size };
  }

  /**
   * Resolves the model that should label issues of `owner/repo`. `universalOnly` skips the repo and org models (a
   * universal-route hand-off from the Lambda: the issue was not rolled out to its repo's model).
   */
  async resolve(owner: string, repo: string, opts: { universalOnly?: boolean } = {}): Promise<ResolvedModel> {
    let unavailable: StoreUnavailableError | null = null;
    const chain = opts.universalOnly
      ? resolutionChain(owner, repo).filter((s) => s.kind === 'universal')
      : resolutionChain(owner, repo);
    for (const scope of chain) {
      let entry: PointerEntry;
      try {
        entry = await this.pointer(scope);
      } catch (err) {
        if (err instanceof StoreUnavailableError) {
          // Do not skip to a broader model because GCS blinked: that would silently change this repo's labels.
          unavailable = err;
          break;
        }
        if (err instanceof ModelCorruptError) {
          this.countCorrupt(scopeKey(scope), 'pointer', err);
          continue;
        }
        throw err;
      }
      if (!entry.read) continue;
      const version = entry.read.pointer.version;
      const key = `${scopeKey(scope)}@${version}`;
      const bad = this.badVersions.get(key);
      if (bad && bad.until > this.now()) continue;
      try {
        const classifier = await this.model(scope, version);
        return { classifier, source: scope.kind, scope: scopeKey(scope), version };
      } catch (err) {
        if (err instanceof ModelCorruptError) {
          this.badVersions.set(key, { until: this.now() + this.badVersionTtlMs, error: err.message });
          this.countCorrupt(key, 'model', err);
          continue;
        }
        if (err instanceof StoreUnavailableError) {
          unavailable = err;
          break;
        }
        throw err;
      }
    }
    // Not even the bundled model on an outage: the message is retried later and gets the model it should get.
    if (unavailable) throw unavailable;
    if (this.bundledFallback) {
      this.bundled ??= this.bundledFallback().catch((err: unknown) => {
        this.bundled = null;
        throw err;
      });
      const classifier = await this.bundled;
      return { classifier, source: 'bundled', scope: 'bundled', version: classifier.version };
    }
    throw new NoModelError(
      `no loadable model for ${owner}/${repo} in gs://${this.store.bucketName} (repo, org, universal)`,
    );
  }

  /** True when at least one model can be resolved right now (readiness). */
  async canLoadAny(
    probe: { owner: string; repo: string } = { owner: 'label-bot-readiness', repo: 'probe' },
  ): Promise<boolean> {
    try {
      await this.resolve(probe.owner, probe.repo);
      return true;
    } catch {
      return false;
    }
  }

  private countCorrupt(key: string, what: 'pointer' | 'model', err: Error): void {
    this.counters.corrupt++;
    this.log.error(
      { model: key, what, err: errorFields(err) },
      'corrupt model artifact; falling back to the next level',
    );
  }

  private async pointer(scope: ModelScope): Promise<PointerEntry> {
    const key = scopeKey(scope);
    const cached = this.pointers.get(key);
    if (cached && this.now() - cached.checkedAt < this.pointerTtlMs) return cached;
    let flight = this.pointerFlights.get(key);
    if (!flight) {
      flight = (async () => {
        this.counters.pointerReads++;
        try {
          const read = await this.store.readPointer(scope);
          const entry = { read, checkedAt: this.now() };
          const previous = this.pointers.get(key)?.read?.pointer.version;
          if (read && previous && previous !== read.pointer.version) {
            this.log.info({ model: key, from: previous, to: read.pointer.version }, 'model pointer moved');
          }
          this.pointers.set(key, entry);
          return entry;
        } catch (err) {
          if (err instanceof StoreUnavailableError) {
            this.counters.storeErrors++;
            // Serve the last known pointer through an outage rather than failing every message.
            if (cached) {
              this.log.warn({ model: key, err: errorFields(err) }, 'GCS unavailable; keeping the last known pointer');
              return cached;
            }
          }
          throw err;
        } finally {
          this.pointerFlights.delete(key);
        }
      })();
      this.pointerFlights.set(key, flight);
    }
    return flight;
  }

  private async model(scope: ModelScope, version: string): Promise<Classifier> {
    const key = `${scopeKey(scope)}@${version}`;
    const hit = this.models.get(key);
    if (hit) {
      this.counters.cacheHits++;
      return hit;
    }
    let flight = this.loadFlights.get(key);
    if (flight) {
      // Joining an in-flight load is still a hit for the caller: no extra download happens.
      this.counters.cacheHits++;
      return flight;
    }
    this.counters.cacheMisses++;
    flight = (async () => {
      try {
        let artifacts: ModelArtifacts;
        try {
          artifacts = await this.store.readArtifacts(scope, version);
        } catch (err) {
          if (err instanceof StoreUnavailableError) this.counters.storeErrors++;
          throw err;
        }
        let classifier: Classifier;
        try {
          classifier = await this.loader(artifacts.onnx, artifacts.modelJson, `${scopeKey(scope)}/${version}`);
        } catch (err) {
          throw new ModelCorruptError(
            `${scopeKey(scope)}@${version}`,
            `model failed to load: ${(err as Error).message}`,
            { cause: err },
          );
        }
        this.counters.loads++;
        this.models.set(key, classifier, artifacts.bytes);
        this.log.info({ model: key, bytes: artifacts.bytes, sha256: artifacts.sha256 }, 'model loaded');
        return classifier;
      } finally {
        this.loadFlights.delete(key);
      }
    })();
    this.loadFlights.set(key, flight);
    return flight;
  }
}
