import type { Classifier } from '../ml/types';
import { createLogger, type Logger } from '../log/logger';
import { applyDecision, type ApplyResult, type CommentAction } from './apply-decision';
import { classifyGitHubError } from './errors';
import { errorFields } from '../log/error-fields';
import { githubTimeLeftMs } from './invocation-deadline';
import { DEFAULT_SETTLE_MS, racerMidWrite } from './racer-in-flight';
import { readIssueState, type ReadIssueStateOptions } from './issue-state';
import { aliasKeyProblems } from './repo-config';
import { decideLabels, type DecideOptions, type LabelDecision } from './label-decision';
import type { GitHubClient, IssueRef, LabelingMode, ModelSource } from '../vocabulary';

/**
 * The one idempotent labeler shared by the Lambda's universal path, the worker and the backfill CLI: read
 * (issue-state.ts) → predict → decide (label-decision.ts) → write (apply-decision.ts).
 * A first labeling is 2 GitHub calls: one GraphQL read and one mutation (labels + comment); a redelivery is the read
 * alone. A label the repo does not have yet costs one more call (a REST POST creates it). Creating the comment also
 * checks for racing duplicates in the same call; deleting one costs a call only when a race actually happened. A read
 * that catches a racer between its label and comment writes waits and re-reads once (racer-in-flight.ts).
 */

export interface LabelIssueOptions extends ReadIssueStateOptions, DecideOptions {
  mode: LabelingMode;
  /** Logged as `source`: which family of models decided. */
  source: ModelSource;
  log?: Logger;
  /** Extra fields for every log line (delivery_id …). */
  logContext?: Record<string, unknown>;
  /** Wait before re-reading when the read caught a racer between its label and comment writes (racer-in-flight.ts). */
  settleMs?: number;
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

/** Our own deadline errors (request-timeout.ts, invocation-deadline.ts); Octokit keeps only the message of the first. */
function timedOut(err: unknown, depth = 0): boolean {
  if (depth > 3 || typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; message?: string; cause?: unknown };
  return (
    e.name === 'TimeoutError' || /^GitHub request timed out\b/.test(e.message ?? '') || timedOut(e.cause, depth + 1)
  );
}

/**
 * A write GitHub answered with a transient error (5xx, rate limit) is retried once here, after a re-read. A write that
 * got no answer in time is not: GitHub may still commit it seconds later, after any re-read made now, and a second
 * write would then leave two comments. That failure goes up (the Lambda hands the issue to the worker, the worker
 * nacks), and the next attempt's read, made later, finds the late write.
 */
function rereadAndRetry(err: unknown): boolean {
  return classifyGitHubError(err) === 'transient' && !timedOut(err);
}

/** Read → predict on the live title/body → decide → apply. Titles and bodies are never logged. */
export async function labelIssue(
  octokit: GitHubClient,
  ref: IssueRef,
  classifier: Classifier,
  opts: LabelIssueOptions,
): Promise<LabelOutcome> {
  const log = opts.log ?? defaultLog;
  const started = Date.now();
  let state = await readIssueState(octokit, ref, { defaults: opts.defaults });
  const base = {
    repo: `${ref.owner}/${ref.repo}`,
    issue: ref.number,
    model_version: classifier.version,
    mode: opts.mode,
    source: opts.source,
    ...opts.logContext,
  };
  if (!state) {
    log.info({ ...base, decision: 'gone' }, 'issue not found; nothing to label');
    return { status: 'gone', ref, githubCalls: 1, modelVersion: classifier.version };
  }
  // Alias keys the model never emits (after synonyms such as feature_request → feature) silently do nothing: say so.
  const warnings = [...state.repoConfig.warnings, ...aliasKeyProblems(state.repoConfig.labelAlias, classifier.labels)];
  if (warnings.length) log.warn({ ...base, warnings }, 'repo config warnings');
  const [prediction] = await classifier.predict([{ title: state.title, body: state.body }]);
  if (!prediction) throw new Error('classifier returned no prediction');
  const applyOpts = { mode: opts.mode, modelVersion: classifier.version };
  let decision = decideLabels(state, prediction, { minConfidence: opts.minConfidence });
  let result: ApplyResult;
  let extraCalls = 0;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  // Room for the wait, the re-read and the write; a Lambda short of it comments now and converges, as before.
  if (opts.mode === 'act' && racerMidWrite(state, decision) && githubTimeLeftMs() > 3 * settleMs) {
    log.info({ ...base, settle_ms: settleMs }, 'another delivery is between its label and comment writes; re-reading');
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const again = await readIssueState(octokit, ref, { defaults: opts.defaults });
    if (!again) return { status: 'gone', ref, githubCalls: 2, modelVersion: classifier.version };
    state = again;
    decision = decideLabels(state, prediction, { minConfidence: opts.minConfidence });
    extraCalls = 1;
  }
  try {
    result = await applyDecision(octokit, state, decision, applyOpts);
  } catch (err) {
    if (!rereadAndRetry(err)) throw err;
    // GitHub answered with a transient error: the write may or may not have been committed. Re-read before writing
    // again, so a comment that did land is found (and kept) instead of being created twice.
    log.warn({ ...base, err: errorFields(err) }, 'write failed; re-reading the issue before writing again');
    const again = await readIssueState(octokit, ref, { defaults: opts.defaults });
    if (!again) return { status: 'gone', ref, githubCalls: 3 + extraCalls, modelVersion: classifier.version };
    decision = decideLabels(again, prediction, { minConfidence: opts.minConfidence });
    result = await applyDecision(octokit, again, decision, applyOpts);
    extraCalls += 2; // the failed write and the re-read
  }
  log.info(
    {
      ...base,
      decision: decision.action,
      reason: decision.reason,
      labels: decision.chosen.map((c) => ({ label: c.label, score: Number(c.score.toFixed(4)) })),
      added: result.added,
      suppressed: decision.suppressed,
      comment: result.comment,
      github_calls: 1 + extraCalls + result.writes,
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
    githubCalls: 1 + extraCalls + result.writes,
    modelVersion: classifier.version,
    mode: opts.mode,
  };
}
