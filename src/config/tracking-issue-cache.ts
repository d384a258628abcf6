import type { TrackingIssueLookup } from './helpers-config';

/**
 * Caches each repo's `tracking-issue:` for `ttlMs`, so the helpers do not fetch `.github/issue_label_bot.yaml` on
 * every labeled event. Failures are not cached (the next event retries); the map is bounded (oldest evicted first).
 */
export function cachedTrackingLookup(
  inner: TrackingIssueLookup,
  opts: { ttlMs?: number; now?: () => number; maxEntries?: number } = {},
): TrackingIssueLookup {
  const ttl = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 1000;
  const cache = new Map<string, { value: number | null; at: number }>();
  return async (octokit, ref) => {
    const key = `${ref.owner}/${ref.repo}`.toLowerCase();
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.value;
    const value = await inner(octokit, ref);
    cache.delete(key);
    cache.set(key, { value, at: now() });
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    return value;
  };
}
