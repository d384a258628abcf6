import type { Logger } from 'pino';
import { IssueBackedConfig } from './issue-backed-config';
import { aliasKeyProblems, DEFAULT_MODEL_LABELS, parseRepoConfigText } from '../github/repo-config';
import { statusOf } from '../helpers/github-ops';
import type { RepoHelpersConfig } from '../helpers/schema';
import {
  mergeHelpers,
  normalizeHelpers,
  parseTrackingIssueBody,
  type HelpersConfig,
} from '../helpers/subscriptions-parser';
import type { GitHubClient, RepoRef } from '../vocabulary';

export const TRACKING_STATUS_MARKER = '<!-- label-bot:tracking-issue-status -->';
export const DEFAULT_TRACKING_TTL_MS = 60_000;
/**
 * How long a repo's last resolved settings may answer "does any helper care about this label?" without a GitHub call.
 * Longer than the TTL on purpose: a label no setting names costs nothing, at the price that a subscription added
 * through another instance reaches this one within this time for a label nothing named before (an edit delivered
 * here, and any event for a label some setting names, refresh at once / after the TTL as before).
 */
export const DEFAULT_INTEREST_MAX_AGE_MS = 10 * 60_000;
/** Bounds memory on a long-lived instance serving many repos; evicting only costs one re-fetch. */
const MAX_TRACKED_ISSUES = 500;

/** Anything with the global config's shape; the frontend's `IssueBackedConfig<GlobalConfig>` fits. */
export interface GlobalConfigSource {
  get(octokit: GitHubClient): Promise<{ repos: Record<string, RepoHelpersConfig> } | null>;
}

export type TrackingIssueLookup = (octokit: GitHubClient, ref: RepoRef) => Promise<number | null>;

/** The repo's `.github/issue_label_bot.yaml` as text (one contents GET), or null when it does not exist. */
export async function readRepoFile(octokit: GitHubClient, ref: RepoRef): Promise<string | null> {
  try {
    const res = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...ref,
      path: '.github/issue_label_bot.yaml',
      headers: { accept: 'application/vnd.github.raw+json' },
    });
    // GitHub answers text/plain for the raw media type; octokit hands back an ArrayBuffer for other content types.
    const data: unknown = res.data;
    return typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : '';
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/**
 * Fallback lookup of `tracking-issue:` in the repo's `.github/issue_label_bot.yaml` (one contents GET per call).
 * The frontend should pass its own cached repo-config loader instead.
 */
export const readTrackingIssueFromRepoFile: TrackingIssueLookup = async (octokit, ref) => {
  const text = await readRepoFile(octokit, ref);
  if (text === null) return null;
  const parsed = parseRepoConfigText(text);
  return parsed.ok ? (parsed.file['tracking-issue'] ?? null) : null;
};

/** `repos["owner/repo"]` of the global config, normalised. Keys there are lower-cased by the global config parser. */
export function repoSectionFor(
  global: { repos: Record<string, RepoHelpersConfig> } | null,
  ref: RepoRef,
): HelpersConfig | undefined {
  const entry = global?.repos[`${ref.owner}/${ref.repo}`.toLowerCase()];
  return entry ? normalizeHelpers(entry).value : undefined;
}

const repoKey = (ref: RepoRef) => `${ref.owner}/${ref.repo}`.toLowerCase();

export interface HelpersConfigResolverOptions {
  globalConfig?: GlobalConfigSource;
  trackingIssue?: TrackingIssueLookup;
  ttlMs?: number;
  /** See DEFAULT_INTEREST_MAX_AGE_MS. */
  interestMaxAgeMs?: number;
  /** Labels the universal model predicts, for reporting `label-alias` keys that match none (default bug/feature/question). */
  modelLabels?: readonly string[];
  now?: () => number;
  log?: Logger;
}

/**
 * Resolves a repo's helper settings: global `repos:` section, then the repo's tracking issue on top.
 * Each tracking issue gets one `IssueBackedConfig` (the frontend's generic cache: ETag TTL refresh, permission-checked
 * edits, one status comment for errors and warnings).
 */
export class HelpersConfigResolver {
  private readonly tracked = new Map<string, IssueBackedConfig<HelpersConfig>>();
  /** Last merged settings per repo, for `peek`. */
  private readonly resolved = new Map<string, { value: HelpersConfig; at: number }>();
  private readonly lookup: TrackingIssueLookup;

  constructor(private readonly opts: HelpersConfigResolverOptions = {}) {
    this.lookup = opts.trackingIssue ?? readTrackingIssueFromRepoFile;
  }

  private store(ref: RepoRef, number: number): IssueBackedConfig<HelpersConfig> {
    const key = `${ref.owner}/${ref.repo}#${number}`.toLowerCase();
    let s = this.tracked.get(key);
    if (!s) {
      if (this.tracked.size >= MAX_TRACKED_ISSUES) {
        const oldest = this.tracked.keys().next().value;
        if (oldest !== undefined) this.tracked.delete(oldest);
      }
      s = new IssueBackedConfig<HelpersConfig>({
        ref: { ...ref, number },
        parse: parseTrackingIssueBody,
        ttlMs: this.opts.ttlMs ?? DEFAULT_TRACKING_TTL_MS,
        statusCommentMarker: TRACKING_STATUS_MARKER,
        title: 'label-bot subscriptions and rules',
        now: this.opts.now,
        log: this.opts.log,
      });
      this.tracked.set(key, s);
    }
    return s;
  }

  async resolve(octokit: GitHubClient, ref: RepoRef): Promise<HelpersConfig> {
    const section = repoSectionFor((await this.opts.globalConfig?.get(octokit)) ?? null, ref);
    const number = await this.lookup(octokit, ref);
    const fromIssue = number ? await this.store(ref, number).get(octokit) : null;
    const value = mergeHelpers(section, fromIssue ?? undefined);
    const key = repoKey(ref);
    this.resolved.delete(key);
    // Only a complete answer may later say "nobody cares" without asking: not after a failed tracking-issue load, and
    // not an empty one (which a failed global config load looks like; an unconfigured repo costs only cached reads).
    const empty = value.cc.size === 0 && value.rules.length === 0 && !value.ciflow;
    if (!empty && (!number || fromIssue !== null)) {
      this.resolved.set(key, { value, at: (this.opts.now ?? Date.now)() });
      if (this.resolved.size > MAX_TRACKED_ISSUES) this.resolved.delete(this.resolved.keys().next().value!);
    }
    return value;
  }

  /** The repo's settings as last resolved on this instance, without any I/O; null when unknown or too old. */
  peek(ref: RepoRef): HelpersConfig | null {
    const hit = this.resolved.get(repoKey(ref));
    const maxAge = this.opts.interestMaxAgeMs ?? DEFAULT_INTEREST_MAX_AGE_MS;
    return hit && (this.opts.now ?? Date.now)() - hit.at < maxAge ? hit.value : null;
  }

  /** The tracking issue's cache, if this instance has loaded it (for status-comment notices). */
  trackingStore(ref: RepoRef, number: number): IssueBackedConfig<HelpersConfig> {
    return this.store(ref, number);
  }

  /** `tracking-issue:` of the repo (cached by the lookup the app passes in). */
  trackingIssueOf(octokit: GitHubClient, ref: RepoRef): Promise<number | null> {
    return this.lookup(octokit, ref);
  }

  /** Routes `issues.edited` of a tracking issue to its cache; other issues are ignored. */
  async onIssueEdited(context: Parameters<IssueBackedConfig<HelpersConfig>['onIssueEdited']>[0]): Promise<string> {
    const ref = { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
    const number = await this.lookup(context.octokit, ref);
    if (number !== context.payload.issue.number) return 'not-tracking-issue';
    // The next event re-merges with the edit instead of answering from `peek`.
    this.resolved.delete(repoKey(ref));
    const store = this.store(ref, number);
    // The repo file's problems belong in the same status comment: it is where the maintainer looks.
    await store.setNotices(null, 'repo-file', await this.repoFileProblems(context.octokit, ref));
    return store.onIssueEdited(context);
  }

  private async repoFileProblems(octokit: GitHubClient, ref: RepoRef): Promise<string[]> {
    try {
      const text = await readRepoFile(octokit, ref);
      if (text === null) return [];
      const parsed = parseRepoConfigText(text);
      const problems = parsed.ok
        ? [
            ...parsed.warnings,
            ...aliasKeyProblems(parsed.file['label-alias'], this.opts.modelLabels ?? DEFAULT_MODEL_LABELS),
          ]
        : parsed.errors.map((e) => `${e} (the whole file is ignored)`);
      return problems.map((p) => `\`.github/issue_label_bot.yaml\`: ${p}`);
    } catch {
      return [];
    }
  }
}
