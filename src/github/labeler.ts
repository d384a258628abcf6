import type { ProbotOctokit } from 'probot';
import type { Classifier, Prediction } from '../ml/types';
import { createLogger, type Logger } from '../log/logger';
import { hasBotMarker, renderLabelsComment, renderNotConfidentComment, type CommentLabel } from './bot-comment';
import { ADD_COMMENT_MUTATION, type AddCommentResponse } from './add-comment-mutation';
import { ISSUE_STATE_QUERY, REPO_CONFIG_EXPRESSION, type GqlActor, type GqlComment, type IssueStateResponse } from './issue-state-query';
import { resolveRepoConfig, type RepoConfig, type RepoConfigFile } from './repo-config';

/**
 * The one idempotent labeler shared by the Lambda's universal path, the worker and the backfill CLI.
 * Steady state is at most 3 GitHub calls: one GraphQL read, one POST of labels (only if something is missing),
 * one comment create/update (only if its text changes). Creating the comment also checks for racing duplicates
 * in the same call (see add-comment-mutation.ts); deleting one costs a call only when a race actually happened.
 */

/** Anything with Octokit's `graphql` and `request`: a Probot context.octokit, `probot.auth(id)`, or a plain Octokit. */
export type GitHubClient = Pick<InstanceType<typeof ProbotOctokit>, 'graphql' | 'request'>;

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

export interface IssueState {
  ref: IssueRef;
  /** GraphQL node id of the issue: the subject of the comment mutation. */
  nodeId: string;
  isPrivate: boolean;
  title: string;
  body: string;
  open: boolean;
  locked: boolean;
  author: string | null;
  labels: string[];
  /** Labels whose latest timeline event is an UnlabeledEvent by a non-bot: never re-added. */
  humanRemoved: Set<string>;
  /** Labels currently present whose latest LabeledEvent is by a bot (ours or another app). */
  botApplied: Set<string>;
  /** The bot's comment (the oldest, when concurrent deliveries created several). */
  botComment: { id: number; body: string } | null;
  /** Younger duplicates of the bot comment, left by concurrent deliveries; `applyDecision` deletes them. */
  duplicateBotComments?: number[];
  repoConfig: RepoConfig;
}

export interface ReadIssueStateOptions {
  /** Operator defaults from the global config issue, layered under the org and repo files. */
  defaults?: RepoConfigFile | null;
}

const isBot = (actor: GqlActor | null | undefined): boolean => actor?.__typename === 'Bot';

/** The bot's own comments, oldest (smallest id) first: the one every racer agrees to keep. Duplicates (the same
 * comment in both the first and the last 100) count once. */
function ownComments(nodes: readonly GqlComment[]): { id: number; body: string }[] {
  const byId = new Map<number, string>();
  for (const c of nodes) if (c.fullDatabaseId !== null && isBot(c.author) && hasBotMarker(c.body)) byId.set(Number(c.fullDatabaseId), c.body);
  return [...byId].map(([id, body]) => ({ id, body })).sort((a, b) => a.id - b.id);
}

interface GraphqlErrorShape {
  name?: string;
  data?: unknown;
  errors?: { type?: string; path?: (string | number)[] }[];
}

/**
 * octokit.graphql throws on partial errors. Errors that only say "the owner has no .github repo" or "no such issue"
 * are expected; keep the data that did come back and let the null fields speak.
 */
function tolerableGraphqlData(err: unknown): IssueStateResponse | null {
  const e = err as GraphqlErrorShape;
  if (e?.name !== 'GraphqlResponseError' || !e.data || !Array.isArray(e.errors)) return null;
  const tolerable = e.errors.every((x) => {
    const head = x.path?.[0];
    if (head === 'orgConfigRepo') return true;
    return x.type === 'NOT_FOUND' && head === 'repository';
  });
  return tolerable ? (e.data as IssueStateResponse) : null;
}

export async function readIssueState(
  octokit: GitHubClient,
  ref: IssueRef,
  options: ReadIssueStateOptions = {},
): Promise<IssueState | null> {
  let data: IssueStateResponse;
  try {
    data = await octokit.graphql<IssueStateResponse>(ISSUE_STATE_QUERY, {
      owner: ref.owner,
      repo: ref.repo,
      number: ref.number,
      configPath: REPO_CONFIG_EXPRESSION,
    });
  } catch (err) {
    const partial = tolerableGraphqlData(err);
    if (!partial) throw err;
    data = partial;
  }
  const repository = data.repository;
  const issue = repository?.issue;
  if (!repository || !issue) return null;

  // Only the latest event per label matters: a label a human removed and someone re-added is not "removed".
  const latest = new Map<string, { type: string; actor: GqlActor | null }>();
  const events = [...issue.timelineItems.nodes].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const ev of events) {
    if (ev?.label?.name) latest.set(ev.label.name, { type: ev.__typename, actor: ev.actor });
  }
  const labels = issue.labels.nodes.map((n) => n.name);
  const humanRemoved = new Set<string>();
  const botApplied = new Set<string>();
  for (const [name, ev] of latest) {
    if (ev.type === 'UnlabeledEvent' && !isBot(ev.actor) && !labels.includes(name)) humanRemoved.add(name);
    if (ev.type === 'LabeledEvent' && isBot(ev.actor) && labels.includes(name)) botApplied.add(name);
  }
  const own = ownComments([...issue.comments.nodes, ...(issue.recentComments?.nodes ?? [])]);

  return {
    ref,
    nodeId: issue.id,
    isPrivate: repository.isPrivate,
    title: issue.title,
    body: issue.body ?? '',
    open: issue.state === 'OPEN',
    locked: issue.locked,
    author: issue.author?.login ?? null,
    labels,
    humanRemoved,
    botApplied,
    botComment: own[0] ?? null,
    duplicateBotComments: own.slice(1).map((c) => c.id),
    repoConfig: resolveRepoConfig({
      defaults: options.defaults ?? null,
      orgText: data.orgConfigRepo?.config?.text ?? null,
      repoText: repository.config?.text ?? null,
    }),
  };
}

export interface ChosenLabel {
  /** The label as applied to the repo (after `label-alias`). */
  label: string;
  /** The model's own label name. */
  modelLabel: string;
  score: number;
  threshold: number;
}

export type DecisionAction = 'label' | 'not-confident' | 'skip';

export interface LabelDecision {
  action: DecisionAction;
  /** Why: `labels`, `skip-if-labeled`, `no-label-cleared-threshold`, `only-human-removed`. */
  reason: string;
  /** Labels the bot stands behind (aliased, allowed, above threshold, not human-removed); rendered in the comment. */
  chosen: ChosenLabel[];
  /** Subset of `chosen` missing on the issue: what a POST would add. */
  toAdd: string[];
  /** Cleared the threshold but a human removed it earlier. */
  suppressed: string[];
  /** What the comment should say: the label table, the "not confident" note, or nothing at all. */
  comment: 'labels' | 'not-confident' | 'none';
}

export interface DecideOptions {
  /** Overrides the repo's `min-confidence` (e.g. a stricter backfill). */
  minConfidence?: number;
}

/** Pure: same state + same prediction ⇒ same decision, whatever the delivery order or count. */
export function decideLabels(state: IssueState, prediction: Prediction, opts: DecideOptions = {}): LabelDecision {
  const cfg = state.repoConfig;
  const floor = opts.minConfidence ?? cfg.minConfidence;

  if (cfg.skipIfLabeled) {
    // Labels the bots put there do not count, so a redelivery after our own labeling still renders the same decision.
    const humanLabels = state.labels.filter((l) => !state.botApplied.has(l));
    if (humanLabels.length > 0) {
      return { action: 'skip', reason: 'skip-if-labeled', chosen: [], toAdd: [], suppressed: [], comment: 'none' };
    }
  }

  const allow = cfg.predictedLabels ? new Set(cfg.predictedLabels) : null;
  // The model decides which labels are candidates (a single-label model offers only its top label); the repo's
  // settings can only narrow that down, never promote a runner-up that happens to clear its own threshold.
  const offered = new Set(prediction.labels);
  const byLabel = new Map<string, ChosenLabel>();
  for (const s of prediction.scores) {
    if (s.threshold === null || !offered.has(s.label)) continue;
    const label = cfg.labelAlias[s.label] ?? s.label;
    if (allow && !allow.has(label) && !allow.has(s.label)) continue;
    const perLabel = cfg.labelMinConfidence[label] ?? cfg.labelMinConfidence[s.label] ?? 0;
    const threshold = Math.max(s.threshold, floor, perLabel);
    if (!(s.score >= threshold)) continue;
    const prev = byLabel.get(label);
    if (!prev || s.score > prev.score) byLabel.set(label, { label, modelLabel: s.label, score: s.score, threshold });
  }
  const cleared = [...byLabel.values()].sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  const suppressed = cleared.filter((c) => state.humanRemoved.has(c.label)).map((c) => c.label);
  const chosen = cleared.filter((c) => !state.humanRemoved.has(c.label));
  const present = new Set(state.labels);
  const toAdd = chosen.filter((c) => !present.has(c.label)).map((c) => c.label);

  if (chosen.length === 0) {
    const reason = suppressed.length > 0 ? 'only-human-removed' : 'no-label-cleared-threshold';
    // A human removing our label is an answer, not a lack of confidence: no "not confident" note then.
    const comment = suppressed.length === 0 && cfg.notConfidentComment && cfg.comment ? 'not-confident' : 'none';
    return { action: suppressed.length > 0 ? 'skip' : 'not-confident', reason, chosen, toAdd, suppressed, comment };
  }
  return { action: 'label', reason: 'labels', chosen, toAdd, suppressed, comment: cfg.comment ? 'labels' : 'none' };
}

export type ApplyMode = 'act' | 'shadow' | 'dry-run';

export interface ApplyOptions {
  mode: ApplyMode;
  modelVersion: string;
  source: 'universal' | 'repo';
  log?: Logger;
}

export type CommentAction = 'created' | 'updated' | 'unchanged' | 'none';

export interface ApplyResult {
  mode: ApplyMode;
  added: string[];
  comment: CommentAction;
  /** Desired comment text (null = none); set in every mode so dry-runs can show it. */
  commentBody: string | null;
  /** GitHub calls made by applyDecision (0 in shadow and dry-run). */
  writes: number;
}

async function deleteComment(octokit: GitHubClient, owner: string, repo: string, id: number): Promise<void> {
  try {
    await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: id });
  } catch (err) {
    // The other racer deleted it first.
    if ((err as { status?: number }).status !== 404) throw err;
  }
}

/** Deletes the bot's younger duplicates, keeping the oldest (the one every racer agrees on). Returns the calls made. */
async function keepOldestComment(octokit: GitHubClient, ref: IssueRef, ids: readonly number[]): Promise<number> {
  const keep = Math.min(...ids);
  let calls = 0;
  for (const id of ids) {
    if (id === keep) continue;
    await deleteComment(octokit, ref.owner, ref.repo, id);
    calls++;
  }
  return calls;
}

/**
 * Creates the comment and, in the same call, sees every racer's comment committed before ours (the mutation's
 * payload is read after the write). Parallel deliveries that all read "no comment yet" thus converge on ONE comment,
 * the oldest: whichever racer commits last sees all of them and deletes the younger ones. Returns the calls made.
 */
async function createCommentConverging(octokit: GitHubClient, state: IssueState, body: string): Promise<number> {
  const data = await octokit.graphql<AddCommentResponse>(ADD_COMMENT_MUTATION, { subjectId: state.nodeId, body });
  const created = data.addComment?.commentEdge?.node?.fullDatabaseId;
  const ours = ownComments(data.addComment?.subject?.comments?.nodes ?? []).map((c) => c.id);
  if (created != null && !ours.includes(Number(created))) ours.push(Number(created));
  return ours.length <= 1 ? 1 : 1 + (await keepOldestComment(octokit, state.ref, ours));
}

export function renderDecisionComment(decision: LabelDecision, modelVersion: string): string | null {
  if (decision.comment === 'labels') {
    const rows: CommentLabel[] = decision.chosen.map((c) => ({ label: c.label, score: c.score }));
    return renderLabelsComment(rows, modelVersion);
  }
  if (decision.comment === 'not-confident') return renderNotConfidentComment(modelVersion);
  return null;
}

export async function applyDecision(
  octokit: GitHubClient,
  state: IssueState,
  decision: LabelDecision,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const commentBody = renderDecisionComment(decision, opts.modelVersion);
  const { owner, repo, number } = state.ref;
  if (opts.mode !== 'act') {
    return { mode: opts.mode, added: [], comment: 'none', commentBody, writes: 0 };
  }
  let writes = 0;
  const added: string[] = [];
  if (decision.toAdd.length > 0) {
    // POST adds (set union); it never removes what humans put there, unlike PUT.
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      owner,
      repo,
      issue_number: number,
      labels: decision.toAdd,
    });
    writes++;
    added.push(...decision.toAdd);
  }
  let comment: CommentAction = 'none';
  // Duplicates from an earlier race: keep the oldest, which every racer agrees on.
  if (state.botComment && state.duplicateBotComments?.length) {
    writes += await keepOldestComment(octokit, state.ref, [state.botComment.id, ...state.duplicateBotComments]);
  }
  // A locked issue still takes labels; a comment there would need elevated rights and adds noise.
  if (commentBody !== null && !state.locked) {
    if (state.botComment === null) {
      writes += await createCommentConverging(octokit, state, commentBody);
      comment = 'created';
    } else if (state.botComment.body.trim() !== commentBody.trim()) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner,
        repo,
        comment_id: state.botComment.id,
        body: commentBody,
      });
      writes++;
      comment = 'updated';
    } else {
      comment = 'unchanged';
    }
  }
  return { mode: opts.mode, added, comment, commentBody, writes };
}

export interface LabelIssueOptions extends ReadIssueStateOptions, DecideOptions {
  mode: ApplyMode;
  source: 'universal' | 'repo';
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
      mode: ApplyMode;
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
  if (state.repoConfig.warnings.length) log.warn({ ...base, warnings: state.repoConfig.warnings }, 'repo config warnings');
  const [prediction] = await classifier.predict([{ title: state.title, body: state.body }]);
  if (!prediction) throw new Error('classifier returned no prediction');
  const decision = decideLabels(state, prediction, { minConfidence: opts.minConfidence });
  const result = await applyDecision(octokit, state, decision, {
    mode: opts.mode,
    modelVersion: classifier.version,
    source: opts.source,
    log,
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
