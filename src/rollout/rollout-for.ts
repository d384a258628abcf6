import type { RolloutRule } from '../vocabulary';

/** The rollout table of the config issue, keyed by lower-cased `owner/repo` or `owner/*`. */
export interface RolloutTable {
  rollout: Record<string, RolloutRule>;
}

/** Exact `owner/repo` beats `owner/*`; null when neither is listed (universal labeling). */
export function rolloutFor(config: RolloutTable | null, repoFullName: string): RolloutRule | null {
  if (!config) return null;
  const lower = repoFullName.toLowerCase();
  const owner = lower.split('/')[0];
  return config.rollout[lower] ?? config.rollout[`${owner}/*`] ?? null;
}
