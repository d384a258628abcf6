import type { GlobalConfig } from './global-config';
import type { IssueBackedConfig } from './issue-backed-config';
import { errorFields } from '../log/error-fields';
import type { Logger } from '../log/logger';
import type { GitHubClient } from '../vocabulary';

/** After a failure (e.g. the app is not installed on the config repo), wait this long before asking GitHub again. */
export const CONFIG_FAILURE_BACKOFF_MS = 60_000;

export type GlobalConfigLoader = () => Promise<GlobalConfig | null>;

/**
 * The config issue lives in the operator's repo, usually under another installation than the event's repo, so it is
 * read through that repo's installation (`forRepo`). Never throws: on failure it serves the last good value and waits
 * {@link CONFIG_FAILURE_BACKOFF_MS} instead of spending an app-level call on every event.
 */
export function globalConfigLoader(
  store: IssueBackedConfig<GlobalConfig> | null,
  forRepo: (owner: string, repo: string) => Promise<GitHubClient>,
  log: Logger,
  now: () => number = Date.now,
): GlobalConfigLoader {
  let failedAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (!store) return null;
    if (now() - failedAt < CONFIG_FAILURE_BACKOFF_MS) return store.current();
    try {
      return await store.get(await forRepo(store.ref.owner, store.ref.repo));
    } catch (err) {
      failedAt = now();
      log.warn(
        { err: errorFields(err), config_issue: `${store.ref.owner}/${store.ref.repo}#${store.ref.number}` },
        'global config unavailable; using the last good value',
      );
      return store.current();
    }
  };
}
