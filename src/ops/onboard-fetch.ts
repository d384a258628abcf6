/**
 * `onboard`'s download: fetch-issues' lister and client, plus who applied each label. A label whose latest
 * application was the bot's is not a human's decision, so it is kept apart in `bot_labels` (never trained on).
 *
 * The file is appended to one complete line per issue, so an interrupted run resumes where it stopped and a later
 * run only downloads the issues created since the newest one in the file (labels changed on older issues are not
 * re-read: start over with a fresh file for that). The rows keep fetch-issues' JSONL contract (plus `bot_labels`).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fetchIssues, fetchOctokit, type FetchedIssue, type FetchIssuesOptions } from './github-issues';
import { parseRepoArg } from './cli-github';
import { readLabelEvents } from './feedback-reader';
import { botMatcher, humanAppliedLabels } from './live-precision';

export interface HistoryRow extends FetchedIssue {
  /** Labels on the issue whose latest application was by the bot (or another bot account). */
  bot_labels?: string[];
}

export interface HistoryOptions extends FetchIssuesOptions {
  /** The bot's login; without it every Bot account counts as the bot. */
  botLogin?: string;
  /** After each issue written (this run's count). */
  onIssue?: (fetched: number) => void;
}

export interface HistoryResult {
  rows: HistoryRow[];
  /** Rows already in the file when the run started. */
  resumed: number;
  fetched: number;
}

/** The rows of an earlier (possibly interrupted) run; a half-written last line is dropped from the file. */
function readExisting(file: string): HistoryRow[] {
  if (!existsSync(file)) return [];
  const rows: HistoryRow[] = [];
  let broken = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as HistoryRow);
    } catch {
      broken = true;
      break;
    }
  }
  if (broken) writeFileSync(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  return rows;
}

export async function fetchHistory(repo: string, file: string, opts: HistoryOptions = {}): Promise<HistoryResult> {
  const { owner, repo: name } = parseRepoArg(repo);
  mkdirSync(dirname(file), { recursive: true });
  const rows = readExisting(file);
  const resumed = rows.length;
  const known = new Set(rows.map((r) => r.number));
  const newest = rows.reduce<string | undefined>(
    (max, r) => (max === undefined || r.created_at > max ? r.created_at : max),
    undefined,
  );
  const octokit = opts.octokit ?? fetchOctokit(opts);
  const isBot = botMatcher(opts.botLogin);
  let fetched = 0;
  for await (const issue of fetchIssues(repo, { ...opts, octokit, ...(newest ? { createdSince: newest } : {}) })) {
    if (known.has(issue.number)) continue;
    let row: HistoryRow = issue;
    if (issue.labels.length > 0) {
      const human = humanAppliedLabels(issue.labels, await readLabelEvents(octokit, owner, name, issue.number), isBot);
      const bot = issue.labels.filter((l) => !human.includes(l));
      row = { ...issue, labels: human, ...(bot.length > 0 ? { bot_labels: bot } : {}) };
    }
    appendFileSync(file, JSON.stringify(row) + '\n');
    rows.push(row);
    known.add(row.number);
    opts.onIssue?.(++fetched);
  }
  return { rows, resumed, fetched };
}
