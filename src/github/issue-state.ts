import { hasBotMarker } from './bot-comment';
import {
  ISSUE_STATE_QUERY,
  REPO_CONFIG_EXPRESSION,
  type GqlActor,
  type GqlComment,
  type IssueStateResponse,
} from './issue-state-query';
import { resolveRepoConfig, type RepoConfig, type RepoConfigFile } from './repo-config';
import type { GitHubClient, IssueRef } from '../vocabulary';

/** The live issue as the labeler sees it: one GraphQL read (issue, labels, timeline, our comments, repo config). */
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
  /** The repo's label node ids by lower-case name (its first 100 labels): what the one-write mutation adds. */
  labelIds?: Map<string, string>;
  /** Labels whose latest timeline event is an UnlabeledEvent by a non-bot: never re-added. */
  humanRemoved: Set<string>;
  /** Labels currently present whose latest LabeledEvent is by a bot (ours or another app). */
  botApplied: Set<string>;
  /** When each of `botApplied` was added (ms since the epoch, GitHub's clock): racer-in-flight.ts reads it. */
  botAppliedAt?: Map<string, number>;
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
export function ownComments(nodes: readonly GqlComment[]): { id: number; body: string }[] {
  const byId = new Map<number, string>();
  for (const c of nodes)
    if (c.fullDatabaseId !== null && isBot(c.author) && hasBotMarker(c.body))
      byId.set(Number(c.fullDatabaseId), c.body);
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
  const latest = new Map<string, { type: string; actor: GqlActor | null; at: string }>();
  const events = [...issue.timelineItems.nodes].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const ev of events) {
    if (ev?.label?.name) latest.set(ev.label.name, { type: ev.__typename, actor: ev.actor, at: ev.createdAt });
  }
  const labels = issue.labels.nodes.map((n) => n.name);
  const humanRemoved = new Set<string>();
  const botApplied = new Set<string>();
  const botAppliedAt = new Map<string, number>();
  for (const [name, ev] of latest) {
    if (ev.type === 'UnlabeledEvent' && !isBot(ev.actor) && !labels.includes(name)) humanRemoved.add(name);
    if (ev.type === 'LabeledEvent' && isBot(ev.actor) && labels.includes(name)) {
      botApplied.add(name);
      botAppliedAt.set(name, Date.parse(ev.at));
    }
  }
  const own = ownComments([...issue.comments.nodes, ...issue.recentComments.nodes]);

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
    labelIds: new Map(repository.repoLabels.nodes.map((l) => [l.name.toLowerCase(), l.id])),
    humanRemoved,
    botApplied,
    botAppliedAt,
    botComment: own[0] ?? null,
    duplicateBotComments: own.slice(1).map((c) => c.id),
    repoConfig: resolveRepoConfig({
      defaults: options.defaults ?? null,
      orgText: data.orgConfigRepo?.config?.text ?? null,
      repoText: repository.config?.text ?? null,
    }),
  };
}
