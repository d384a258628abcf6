import type { Classifier } from '../ml/types';
import { createLogger, type Logger } from '../log/logger';
import { applyDecision, type CommentAction } from './apply-decision';
import { readIssueState, type ReadIssueStateOptions } from './issue-state';
import { aliasKeyProblems } from './repo-config';
import { decideLabels, type DecideOptions, type LabelDecision } from './label-decision';
import type { GitHubClient, IssueRef, LabelingMode, ModelSource } from '../vocabulary';

/**
 * The one idempotent labeler shared by the Lambda's universal path, the worker and the backfill CLI: read
 * (issue-state.ts) → predict → decide (label-decision.ts) → write (apply-decision.ts).
 * Steady state is at most 3 GitHub calls: one GraphQL read, one POST of labels (only if something is missing),
 * one comment create/update (only if its text changes). Creating the comment also checks for racing duplicates
 * in the same call (see add-comment-mutation.ts); deleting one costs a call only when a race actually happened.
 */

export interface LabelIssueOptions extends ReadIssueStateOptions, DecideOptions {
  mode: LabelingMode;
  /** Logged as `source`: which family of models decided. */
  source: ModelSource;
  log?: Logger;
  /** Extra fields for every log line (delivery_id …). */
  logContext?: Record<string, unknown>;
}

export type LabelOutcome =
  | { status: 'gone'; ref: IssueRef; githubCalls: number; modelVersion: string }
  | {
      status: 'done';
      ref: IssueRef;
      decision: LabelDecision;
      added: string[];
      comment: CommentAction;
      commentBody: string | null;
      githubCalls: number;
      modelVersion: string;
      mode: LabelingMode;
    };

const defaultLog = createLogger('labeler');

/** Read → predict on the live title/body → decide → apply. Titles and bodies are never logged. */
export async function labelIssue(
  octokit: GitHubClient,
  ref: IssueRef,
  classifier: Classifier,
  opts: LabelIssueOptions,
): Promise<LabelOutcome> {
  const log = opts.log ?? defaultLog;
  const started = Date.now();
  const state = await readIssueState(octokit, ref, { defaults: opts.defaults });
  const base = { repo: `${ref.owner}/${ref.repo}`, issue: ref.number, model_version: classifier.version, mode: opts.mode, source: opts.source, ...opts.logContext };
  if (!state) {
    log.info({ ...base, decision: 'gone' }, 'issue not found; nothing to label');
    return { status: 'gone', ref, githubCalls: 1, modelVersion: classifier.version };
  }
  // Alias keys the model never emits (after synonyms such as feature_request → feature) silently do nothing: say so.
  const warnings = [...state.repoConfig.warnings, ...aliasKeyProblems(state.repoConfig.labelAlias, classifier.labels)];
  if (warnings.length) log.warn({ ...base, warnings }, 'repo config warnings');
  const [prediction] = await classifier.predict([{ title: state.title, body: state.body }]);
  if (!prediction) throw new Error('classifier returned no prediction');
  const decision = decideLabels(state, prediction, { minConfidence: opts.minConfidence });
  const result = await applyDecision(octokit, state, decision, {
    mode: opts.mode,
    modelVersion: classifier.version,
  });
  log.info(
    {
      ...base,
      decision: decision.action,
      reason: decision.reason,
      labels: decision.chosen.map((c) => ({ label: c.label, score: Number(c.score.toFixed(4)) })),
      added: result.added,
      suppressed: decision.suppressed,
      comment: result.comment,
      github_calls: 1 + result.writes,
      latency_ms: Date.now() - started,
    },
    opts.mode === 'shadow' ? 'shadow decision (no writes)' : 'label decision',
  );
  return {
    status: 'done',
    ref,
    decision,
    added: result.added,
    comment: result.comment,
    commentBody: result.commentBody,
    githubCalls: 1 + result.writes,
    modelVersion: classifier.version,
    mode: opts.mode,
  };
}
