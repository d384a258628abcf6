import type { Logger } from 'pino';
import { IssueBackedConfig } from './issue-backed-config';
import { parseRepoConfigText } from '../github/repo-config';
import { statusOf } from '../helpers/github-ops';
import type { RepoHelpersConfig } from '../helpers/schema';
import { mergeHelpers, normalizeHelpers, parseTrackingIssueBody, type HelpersConfig } from '../helpers/subscriptions-parser';
import type { GitHubClient, RepoRef } from '../vocabulary';

export const TRACKING_STATUS_MARKER = '<!-- label-bot:tracking-issue-status -->';
export const DEFAULT_TRACKING_TTL_MS = 60_000;
/** Bounds memory on a long-lived instance serving many repos; evicting only costs one re-fetch. */
const MAX_TRACKED_ISSUES = 500;

/** Anything with the global config's shape; the frontend's `IssueBackedConfig<GlobalConfig>` fits. */
export interface GlobalConfigSource {
  get(octokit: GitHubClient): Promise<{ repos: Record<string, RepoHelpersConfig> } | null>;
}

export type TrackingIssueLookup = (octokit: GitHubClient, ref: RepoRef) => Promise<number | null>;

/**
 * Fallback lookup of `tracking-issue:` in the repo's `.github/issue_label_bot.yaml` (one contents GET per call).
 * The frontend should pass its own cached repo-config loader instead.
 */
export const readTrackingIssueFromRepoFile: TrackingIssueLookup = async (octokit, ref) => {
  try {
    const res = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...ref,
      path: '.github/issue_label_bot.yaml',
      headers: { accept: 'application/vnd.github.raw+json' },
    });
    // GitHub answers text/plain for the raw media type; octokit hands back an ArrayBuffer for other content types.
    const data: unknown = res.data;
    const text = typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : '';
    const parsed = parseRepoConfigText(text);
    return parsed.ok ? (parsed.file['tracking-issue'] ?? null) : null;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
};

/** `repos["owner/repo"]` of the global config, normalised. Keys there are lower-cased by the global config parser. */
export function repoSectionFor(
  global: { repos: Record<string, RepoHelpersConfig> } | null,
  ref: RepoRef,
): HelpersConfig | undefined {
  const entry = global?.repos[`${ref.owner}/${ref.repo}`.toLowerCase()];
  return entry ? normalizeHelpers(entry).value : undefined;
}

export interface HelpersConfigResolverOptions {
  globalConfig?: GlobalConfigSource;
  trackingIssue?: TrackingIssueLookup;
  ttlMs?: number;
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
    return mergeHelpers(section, fromIssue ?? undefined);
  }

  /** Routes `issues.edited` of a tracking issue to its cache; other issues are ignored. */
  async onIssueEdited(context: Parameters<IssueBackedConfig<HelpersConfig>['onIssueEdited']>[0]): Promise<string> {
    const ref = { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
    const number = await this.lookup(context.octokit, ref);
    if (number !== context.payload.issue.number) return 'not-tracking-issue';
    return this.store(ref, number).onIssueEdited(context);
  }
}
