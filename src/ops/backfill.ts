/**
 * Backfill: run the bot over a repo's existing issues. Every issue goes through the same `labelIssue` as the worker
 * (same GraphQL read, repo config, decision and idempotent writes), in `dry-run` mode for a preview or `act` to label.
 */
import type { Classifier } from '../ml/types';
import { applyDecision } from '../github/apply-decision';
import { decideLabels } from '../github/label-decision';
import { readIssueState, type IssueState } from '../github/issue-state';
import type { LabelIssueOptions } from '../github/label-issue';
import type { RepoConfigFile } from '../github/repo-config';
import { createLogger, type Logger } from '../log/logger';
import { assertResumable, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import { listIssues, normaliseIso, type ListedIssue } from './issue-listing';
import type { GitHubClient } from '../vocabulary';
import { createProgress } from './progress';

export interface BackfillRow {
  issue: number;
  title: string;
  state: 'open' | 'closed';
  /** Labels on the issue before this run touched it. */
  labelsBefore: string[];
  /** `label` | `not-confident` | `skip` | `gone`. */
  action: string;
  reason: string;
  /** Labels the bot stands behind, with scores. */
  chosen: { label: string; score: number }[];
  /** Dry run: what it would add. Otherwise: what it added. */
  add: string[];
  suppressed: string[];
  /** Dry run: `create`/`update`/`none` as it would do; otherwise what it did. */
  comment: string;
  modelVersion: string;
  applied: boolean;
}

export interface BackfillOptions {
  owner: string;
  repo: string;
  state: 'open' | 'all';
  /** Only issues created at or after this date. */
  since?: string;
  dryRun: boolean;
  classifier: Classifier;
  /** Where the model came from, as the worker logs it. */
  source: LabelIssueOptions['source'];
  /** Checkpoint file (non-dry runs only). Null disables resuming. */
  checkpointPath: string | null;
  /** Operator defaults from the global config issue, as the worker layers them. */
  defaults?: RepoConfigFile | null;
  onRow?: (row: BackfillRow) => void | Promise<void>;
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  logger?: Logger;
}

export interface BackfillSummary {
  listed: number;
  /** Skipped because a previous run's checkpoint says they are done. */
  resumedPast: number;
  processed: number;
  labeled: number;
  /** Labels added (or, in a dry run, that would be). */
  labelsAdded: number;
  gone: number;
  rows: BackfillRow[];
}

/** What `applyDecision` would do with the comment; mirrors its rules (locked issues get no comment). */
function plannedCommentAction(state: IssueState, body: string | null): string {
  if (body === null || state.locked) return 'none';
  if (state.botComment === null) return 'create';
  return state.botComment.body.trim() === body.trim() ? 'unchanged' : 'update';
}

export async function runBackfill(octokit: GitHubClient, opts: BackfillOptions): Promise<BackfillSummary> {
  const log = opts.logger ?? createLogger('backfill');
  const repoName = `${opts.owner}/${opts.repo}`;
  const selection: Checkpoint['selection'] = { state: opts.state, since: opts.since ? normaliseIso(opts.since) : null };

  // A dry run writes nothing anywhere on GitHub and is cheap to redo, so it never reads or writes a checkpoint.
  const cpPath = opts.dryRun ? null : opts.checkpointPath;
  const checkpoint = cpPath ? await readCheckpoint(cpPath) : null;
  if (checkpoint && cpPath) assertResumable(checkpoint, repoName, selection, cpPath);

  const all = await listIssues(octokit, {
    owner: opts.owner,
    repo: opts.repo,
    state: opts.state,
    ...(selection.since ? { createdSince: selection.since } : {}),
  });
  const lastDone = checkpoint?.lastCompleted ?? 0;
  const todo = all.filter((i) => i.number > lastDone);
  const resumedPast = all.length - todo.length;
  if (checkpoint) log.info({ repo: repoName, lastCompleted: lastDone, skipping: resumedPast }, 'resuming backfill');

  const summary: BackfillSummary = {
    listed: all.length,
    resumedPast,
    processed: 0,
    labeled: 0,
    labelsAdded: 0,
    gone: 0,
    rows: [],
  };
  const progress = createProgress({
    total: all.length,
    start: resumedPast,
    label: opts.dryRun ? 'backfill (dry run)' : 'backfill',
    ...(opts.progressStream ? { stream: opts.progressStream } : {}),
  });
  let completed = checkpoint?.completed ?? 0;

  try {
    for (const issue of todo) {
      const row = await processIssue(octokit, issue, opts, log);
      summary.processed++;
      if (row.action === 'gone') summary.gone++;
      if (row.add.length > 0) summary.labeled++;
      summary.labelsAdded += row.add.length;
      summary.rows.push(row);
      await opts.onRow?.(row);
      completed++;
      if (cpPath) {
        await writeCheckpoint(cpPath, {
          version: 1,
          repo: repoName,
          selection,
          lastCompleted: issue.number,
          completed,
          updatedAt: new Date().toISOString(),
        });
      }
      progress.tick(`${opts.dryRun ? 'would label' : 'labeled'} ${summary.labeled}`);
    }
  } finally {
    progress.stop();
  }
  return summary;
}

/**
 * The labeler's own steps (read → predict → decide → apply), unrolled only to see the issue state a dry run needs
 * to say what it would do with the comment; `labelIssue` runs the same four calls.
 */
async function processIssue(
  octokit: GitHubClient,
  issue: ListedIssue,
  opts: BackfillOptions,
  log: Logger,
): Promise<BackfillRow> {
  const ref = { owner: opts.owner, repo: opts.repo, number: issue.number };
  const base = {
    issue: issue.number,
    title: issue.title,
    state: issue.state,
    labelsBefore: issue.labels,
    modelVersion: opts.classifier.version,
    applied: !opts.dryRun,
  };
  const state = await readIssueState(octokit, ref, { defaults: opts.defaults ?? null });
  if (!state) {
    log.info({ repo: `${ref.owner}/${ref.repo}`, issue: ref.number, decision: 'gone' }, 'issue not found; skipped');
    return { ...base, action: 'gone', reason: 'issue not found', chosen: [], add: [], suppressed: [], comment: 'none' };
  }
  // Titles of private-repo issues stay out of tables and files that may end up in CI logs; the number identifies them.
  if (state.isPrivate) base.title = '(private)';
  const [prediction] = await opts.classifier.predict([{ title: state.title, body: state.body }]);
  if (!prediction) throw new Error('classifier returned no prediction');
  const decision = decideLabels(state, prediction);
  const result = await applyDecision(octokit, state, decision, {
    mode: opts.dryRun ? 'dry-run' : 'act',
    modelVersion: opts.classifier.version,
  });
  log.info(
    {
      repo: `${ref.owner}/${ref.repo}`,
      issue: ref.number,
      model_version: opts.classifier.version,
      mode: result.mode,
      via: 'backfill',
      decision: decision.action,
      reason: decision.reason,
      added: result.added,
      writes: result.writes,
    },
    'backfill decision',
  );
  return {
    ...base,
    action: decision.action,
    reason: decision.reason,
    chosen: decision.chosen.map((c) => ({ label: c.label, score: c.score })),
    add: opts.dryRun ? decision.toAdd : result.added,
    suppressed: decision.suppressed,
    comment: opts.dryRun ? plannedCommentAction(state, result.commentBody) : result.comment,
  };
}
