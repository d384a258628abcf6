/**
 * Reads the human feedback on the bot's work from GitHub itself (no database): label events per issue, and the
 * 👍/👎 reactions on the bot's marked comment. The figures are computed elsewhere (live-precision.ts).
 * Cost: one paginated events call per listed issue, plus comments and reactions only where the bot labeled.
 */
import { hasBotMarker } from '../github/bot-comment';
import type { GitHubClient } from '../vocabulary';
import { listIssues } from './issue-listing';
import type { Actor, IsBot, IssueFeedback, LabelEvent, ReactionCounts } from './live-precision';

export interface IssueSnapshot extends IssueFeedback {
  labels: string[];
}

interface RestActor {
  login: string;
  type: string;
}

interface RestEvent {
  event: string;
  created_at: string;
  actor: RestActor | null;
  label?: { name: string };
}

interface RestComment {
  id: number;
  body?: string;
  user: RestActor | null;
}

interface RestReaction {
  content: string;
  user: RestActor | null;
}

function actorOf(a: RestActor | null): Actor | null {
  return a ? { login: a.login, type: a.type } : null;
}

export async function readLabelEvents(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  number: number,
): Promise<LabelEvent[]> {
  const events: LabelEvent[] = [];
  for await (const page of octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/events', {
    owner,
    repo,
    issue_number: number,
    per_page: 100,
  })) {
    for (const ev of page.data as unknown as RestEvent[]) {
      if ((ev.event === 'labeled' || ev.event === 'unlabeled') && ev.label?.name) {
        events.push({ kind: ev.event, label: ev.label.name, at: ev.created_at, actor: actorOf(ev.actor) });
      }
    }
  }
  return events;
}

/** Human 👍/👎 on the bot's marked comment; null when the issue has none. The bot's own reactions never count. */
export async function readCommentReactions(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  number: number,
  isBot: IsBot,
): Promise<ReactionCounts | null> {
  let comment: RestComment | undefined;
  for await (const page of octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: number,
    per_page: 100,
  })) {
    comment = (page.data as unknown as RestComment[]).find(
      (c) => hasBotMarker(c.body) && (isBot(actorOf(c.user)) || c.user?.type === 'Bot'),
    );
    if (comment) break;
  }
  if (!comment) return null;
  const counts: ReactionCounts = { up: 0, down: 0 };
  for await (const page of octokit.paginate.iterator(
    'GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    {
      owner,
      repo,
      comment_id: comment.id,
      per_page: 100,
    },
  )) {
    for (const r of page.data as unknown as RestReaction[]) {
      if (!r.user || r.user.type === 'Bot' || isBot(actorOf(r.user))) continue;
      if (r.content === '+1') counts.up++;
      else if (r.content === '-1') counts.down++;
    }
  }
  return counts;
}

export interface ReadRepoFeedbackOptions {
  owner: string;
  repo: string;
  /** Issues not updated since are skipped: a bot label applied after `since` updated the issue. */
  since?: string;
  isBot: IsBot;
  /** Called after each issue is read, with the total once the listing is known. */
  onIssue?: (done: number, total: number) => void;
}

export async function readRepoFeedback(octokit: GitHubClient, opts: ReadRepoFeedbackOptions): Promise<IssueSnapshot[]> {
  const issues = await listIssues(octokit, {
    owner: opts.owner,
    repo: opts.repo,
    state: 'all',
    ...(opts.since ? { updatedSince: opts.since } : {}),
  });
  return readSnapshots(octokit, opts.owner, opts.repo, issues, opts.isBot, opts.onIssue);
}

async function readSnapshots(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  issues: readonly { number: number; labels: string[] }[],
  isBot: IsBot,
  onIssue?: (done: number, total: number) => void,
): Promise<IssueSnapshot[]> {
  const snapshots: IssueSnapshot[] = [];
  for (const issue of issues) {
    const events = await readLabelEvents(octokit, owner, repo, issue.number);
    const botLabeled = events.some((e) => e.kind === 'labeled' && isBot(e.actor));
    const reactions = botLabeled ? await readCommentReactions(octokit, owner, repo, issue.number, isBot) : null;
    snapshots.push({ number: issue.number, labels: issue.labels, events, reactions });
    onIssue?.(snapshots.length, issues.length);
  }
  return snapshots;
}

/**
 * Snapshots (labels + events) of specific issues, for the shadow comparison. Issues that are gone (404/410) or are
 * pull requests are left out, which the comparison reports as "missing".
 */
export async function readIssuesByNumber(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  numbers: readonly number[],
): Promise<Map<number, { labels: string[]; events: LabelEvent[] }>> {
  const out = new Map<number, { labels: string[]; events: LabelEvent[] }>();
  for (const number of numbers) {
    let data: { labels: (string | { name?: string })[]; pull_request?: unknown };
    try {
      ({ data } = (await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner,
        repo,
        issue_number: number,
      })) as unknown as { data: typeof data });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 410) continue;
      throw err;
    }
    if (data.pull_request) continue;
    const labels = data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== '');
    out.set(number, { labels, events: await readLabelEvents(octokit, owner, repo, number) });
  }
  return out;
}
