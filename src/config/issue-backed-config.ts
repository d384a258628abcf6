import { createLogger, type Logger } from '../log/logger';
import { ISSUE_EDITOR_QUERY, type IssueEditorResponse } from '../github/issue-editor-query';
import type { GitHubClient, IssueRef } from '../vocabulary';
import { errorFields } from '../log/error-fields';

/**
 * Config kept in a GitHub issue body, cached per process (one Lambda instance, one worker pod).
 * - `onIssueEdited` re-parses from the webhook payload at once (only for senders with write access).
 * - Other instances only see edits delivered to them, so after `ttlMs` `get` revalidates with ETag / If-None-Match;
 *   a 304 costs no rate limit and keeps the cache. A changed body is only taken when its last editor (GraphQL
 *   `editor`, else the author) has write access, like an edit's webhook; otherwise the cached value stays.
 * - An invalid body never replaces the last good value; one status comment on the issue says what is wrong and is
 *   rewritten once the body is valid again.
 * Generic so the maintainer helpers can reuse it for per-repo tracking issues.
 */

export type ParseResult<T> = { ok: true; value: T; warnings: string[] } | { ok: false; errors: string[] };

export interface IssueBackedConfigOptions<T> {
  ref: IssueRef;
  parse: (body: string) => ParseResult<T>;
  ttlMs: number;
  /**
   * First wait after a failed load or refresh; doubles on each consecutive failure, capped at `ttlMs`
   * (default DEFAULT_RETRY_BASE_MS). A cold instance whose first load failed retries within seconds, not a TTL later.
   */
  retryBaseMs?: number;
  /** Hidden HTML comment that identifies this config's status comment, e.g. `<!-- label-bot:config-status -->`. */
  statusCommentMarker: string;
  /** Heading used in the status comment, e.g. "label-bot configuration". */
  title?: string;
  now?: () => number;
  log?: Logger;
}

/** The parts of a Probot `issues.edited` context this class reads; a real Context satisfies it. */
export interface IssueEditedContextLike {
  payload: {
    repository: { full_name: string; name: string; owner: { login: string } };
    issue: { number: number; body?: string | null };
    sender: { login: string; type?: string } | null;
  };
  octokit: GitHubClient;
}

export type EditOutcome = 'not-config-issue' | 'ignored-bot' | 'ignored-no-permission' | 'applied' | 'rejected';

const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

/** Retries after a failed load: 2 s, 4 s, 8 s … up to the TTL. */
export const DEFAULT_RETRY_BASE_MS = 2_000;

interface HttpError {
  status?: number;
  response?: { headers?: Record<string, string | undefined> };
}

export class IssueBackedConfig<T> {
  private value: T | null = null;
  /** The body `value` was parsed from: a refresh that finds the same body needs no editor check. */
  private acceptedBody: string | null = null;
  private warnings: string[] = [];
  /**
   * Problems found outside this body that its status comment should still show (a renamed label it names, a repo
   * file's problems), by source. Kept until the next accepted edit, which re-reads everything from the new body.
   */
  private notices = new Map<string, string[]>();
  private errors: string[] | null = null;
  private etag: string | null = null;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<T | null> | null = null;
  /** Consecutive failed refreshes, for the backoff. */
  private failures = 0;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: IssueBackedConfigOptions<T>) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('issue-backed-config');
  }

  get ref(): IssueRef {
    return this.opts.ref;
  }

  isConfigIssue(repoFullName: string, number: number): boolean {
    const { owner, repo, number: n } = this.opts.ref;
    return number === n && repoFullName.toLowerCase() === `${owner}/${repo}`.toLowerCase();
  }

  /** Last good value without any I/O (null before the first successful load). */
  current(): T | null {
    return this.value;
  }

  async get(octokit: GitHubClient): Promise<T | null> {
    if (this.now() - this.fetchedAt < this.opts.ttlMs) return this.value;
    // Concurrent deliveries on one instance share one revalidation.
    this.inflight ??= this.refresh(octokit).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refresh(octokit: GitHubClient): Promise<T | null> {
    const { owner, repo, number } = this.opts.ref;
    try {
      const res = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner,
        repo,
        issue_number: number,
        headers: this.etag ? { 'if-none-match': this.etag } : {},
      });
      const body = res.data.body ?? '';
      // The webhook path checks the editor's write access; a refresh must not take the same edit without that check.
      // (The first load has nothing better to keep, so it takes the body as it is.)
      if (this.value !== null && body !== this.acceptedBody) {
        const editor = await this.lastEditor(octokit);
        const access = editor?.__typename === 'User' ? await this.writeAccess(octokit, editor.login) : 'none';
        if (access === 'unknown') {
          // The permission check failed (not a 404): keep the ETag as it was, so the next refresh asks again.
          this.fetchedAt = this.now();
          return this.value;
        }
        if (access === 'none') {
          // Remember the ETag: until the body changes again, refreshes are 304s that keep the cached value.
          this.fetchedAt = this.now();
          this.etag = res.headers.etag ?? null;
          this.log.warn(
            { config_issue: this.describe(), editor: editor?.login ?? null, editor_type: editor?.__typename ?? null },
            'config issue body changed by someone without write access; keeping the cached config',
          );
          return this.value;
        }
      }
      this.fetchedAt = this.now();
      this.failures = 0;
      this.etag = res.headers.etag ?? null;
      this.accept(body, 'refresh');
    } catch (err) {
      if ((err as HttpError).status === 304) {
        this.fetchedAt = this.now();
        this.failures = 0;
        return this.value;
      }
      // Keep serving the last good value; retry after a short backoff (not on every event, not a whole TTL later).
      this.failures++;
      const waitMs = Math.min(
        (this.opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS) * 2 ** (this.failures - 1),
        this.opts.ttlMs,
      );
      this.fetchedAt = this.now() - this.opts.ttlMs + waitMs;
      this.log.warn(
        { err: errorFields(err), config_issue: this.describe(), retry_in_ms: waitMs, failures: this.failures },
        'config refresh failed; keeping last good value',
      );
      return this.value;
    }
    return this.value;
  }

  /** Returns whether the body was valid. */
  private accept(body: string, via: 'refresh' | 'edit'): boolean {
    const parsed = this.opts.parse(body);
    if (parsed.ok) {
      this.value = parsed.value;
      this.acceptedBody = body;
      this.warnings = parsed.warnings;
      // A new body answers the rename notices (re-reported if the old name is still there on the next rename check).
      if (via === 'edit')
        for (const k of [...this.notices.keys()]) if (k.startsWith('renamed:')) this.notices.delete(k);
      this.errors = null;
      this.log.info({ config_issue: this.describe(), via, warnings: parsed.warnings }, 'config loaded');
      return true;
    }
    this.errors = parsed.errors;
    this.log.warn(
      { config_issue: this.describe(), via, errors: parsed.errors },
      'invalid config; keeping last good value',
    );
    return false;
  }

  async onIssueEdited(context: IssueEditedContextLike): Promise<EditOutcome> {
    const { repository, issue, sender } = context.payload;
    if (!this.isConfigIssue(repository.full_name, issue.number)) return 'not-config-issue';
    if (!sender || sender.type === 'Bot') return 'ignored-bot';
    if (!(await this.canWrite(context.octokit, sender.login))) {
      this.log.warn(
        { config_issue: this.describe(), sender: sender.login },
        'config edit by a user without write access ignored',
      );
      return 'ignored-no-permission';
    }
    const ok = this.accept(issue.body ?? '', 'edit');
    if (ok) {
      // The payload is fresher than any cached ETag; the next revalidation after the TTL fetches in full.
      this.etag = null;
      this.fetchedAt = this.now();
    }
    try {
      await this.upsertStatusComment(context.octokit, ok);
    } catch (err) {
      this.log.warn(
        { err: errorFields(err), config_issue: this.describe() },
        'could not update the config status comment',
      );
    }
    return ok ? 'applied' : 'rejected';
  }

  /** The body's last editor, or its author when it was never edited. Throws on failure (the caller keeps the cache). */
  private async lastEditor(octokit: GitHubClient): Promise<{ login: string; __typename: string } | null> {
    const { owner, repo, number } = this.opts.ref;
    const data = await octokit.graphql<IssueEditorResponse>(ISSUE_EDITOR_QUERY, { owner, repo, number });
    const issue = data.repository?.issue;
    return issue?.editor ?? issue?.author ?? null;
  }

  private async canWrite(octokit: GitHubClient, username: string): Promise<boolean> {
    return (await this.writeAccess(octokit, username)) === 'write';
  }

  /** `unknown`: the check itself failed (anything but a 404, which means "not a collaborator"). */
  private async writeAccess(octokit: GitHubClient, username: string): Promise<'write' | 'none' | 'unknown'> {
    const { owner, repo } = this.opts.ref;
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
        owner,
        repo,
        username,
      });
      const role = (data as { role_name?: string }).role_name;
      return WRITE_ROLES.has(data.permission) || (role !== undefined && WRITE_ROLES.has(role)) ? 'write' : 'none';
    } catch (err) {
      if ((err as HttpError).status === 404) return 'none';
      this.log.warn(
        { err: errorFields(err), user: username, config_issue: this.describe() },
        'permission check failed; edit ignored',
      );
      return 'unknown';
    }
  }

  private allWarnings(): string[] {
    return [...this.warnings, ...[...this.notices.values()].flat()];
  }

  /**
   * Shows `lines` (replacing earlier ones from the same `source`) in the status comment, e.g. "setting X names label Y,
   * which was renamed". Writes only when the comment's text changes; an empty list removes the source's lines.
   */
  async setNotices(octokit: GitHubClient | null, source: string, lines: string[]): Promise<void> {
    if (lines.length === 0) this.notices.delete(source);
    else this.notices.set(source, lines);
    // null: only remember them, for the status comment the next edit writes anyway.
    if (octokit) await this.upsertStatusComment(octokit, this.errors === null);
  }

  private renderStatus(ok: boolean): string | null {
    const title = this.opts.title ?? 'Configuration';
    if (!ok) {
      return [
        this.opts.statusCommentMarker,
        `**${title}: the last edit is invalid.** The bot keeps using the last valid version until this is fixed.`,
        '',
        ...(this.errors ?? []).map((e) => `- \`${e.replace(/`/g, "'")}\``),
      ].join('\n');
    }
    const warnings = this.allWarnings();
    if (warnings.length) {
      return [
        this.opts.statusCommentMarker,
        `**${title}: valid, with warnings.**`,
        '',
        ...warnings.map((w) => `- ${w}`),
      ].join('\n');
    }
    return [this.opts.statusCommentMarker, `**${title}: valid.** The current version is in use.`].join('\n');
  }

  private async findStatusComment(octokit: GitHubClient): Promise<{ id: number; body: string } | null> {
    const { owner, repo, number } = this.opts.ref;
    for (let page = 1; page <= 10; page++) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: number,
        per_page: 100,
        page,
      });
      const hit = data.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(this.opts.statusCommentMarker));
      if (hit) return { id: hit.id, body: hit.body ?? '' };
      if (data.length < 100) break;
    }
    return null;
  }

  private async upsertStatusComment(octokit: GitHubClient, ok: boolean): Promise<void> {
    const { owner, repo, number } = this.opts.ref;
    const existing = await this.findStatusComment(octokit);
    const body = this.renderStatus(ok);
    // Nothing was ever wrong: stay quiet instead of announcing "valid" on every edit.
    if (!existing && ok && this.allWarnings().length === 0) return;
    if (body === null) return;
    if (!existing) {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: number,
        body,
      });
      return;
    }
    if (existing.body.trim() === body.trim()) return;
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner,
      repo,
      comment_id: existing.id,
      body,
    });
  }

  private describe(): string {
    const { owner, repo, number } = this.opts.ref;
    return `${owner}/${repo}#${number}`;
  }
}
