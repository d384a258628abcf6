/**
 * `retrain`'s download: every issue of a repo with its current labels and label events (the raw facts the truth rule
 * in retrain-truth.ts reads), kept in a work directory so the next run only re-reads what changed.
 *
 * - `issues.jsonl`: one line per issue read; a later line for the same number replaces the earlier one, so a run
 *   only appends. At the end of a complete pass the file is rewritten with one line per issue.
 * - `state.json`: `syncedAt`, when the last complete pass started. The next pass lists only the issues GitHub reports
 *   as updated since then (labeling an issue updates it), minus a minute for clock skew.
 * - Resumable: an interrupted pass leaves `syncedAt` where it was, so the rerun lists the same issues again and skips
 *   those whose stored `updated_at` already equals the listed one.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitHubClient } from '../vocabulary';
import { readLabelEvents } from './feedback-reader';
import { iterateIssues } from './issue-listing';
import type { LabelEvent } from './live-precision';

export interface IssueFacts {
  number: number;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
  labels: string[];
  /** Label events, oldest first; empty for an issue without labels (nothing to attribute). */
  events: LabelEvent[];
}

export interface FactsResult {
  issues: IssueFacts[];
  /** Issues already in the work dir and unchanged. */
  kept: number;
  /** Issues read (new or changed) in this run. */
  fetched: number;
}

const SKEW_MS = 60_000;

function readFacts(file: string): Map<number, IssueFacts> {
  const out = new Map<number, IssueFacts>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row = JSON.parse(line) as IssueFacts;
      out.set(row.number, row);
    } catch {
      // A half-written last line from an interrupted run: that issue is read again.
    }
  }
  return out;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export async function fetchIssueFacts(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  dir: string,
  opts: { now?: () => number; onIssue?: (fetched: number) => void } = {},
): Promise<FactsResult> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'issues.jsonl');
  const stateFile = join(dir, 'state.json');
  const facts = readFacts(file);
  const state = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { syncedAt?: string }) : {};
  const passStart = new Date((opts.now ?? Date.now)()).toISOString();
  const since =
    state.syncedAt && facts.size > 0 ? new Date(Date.parse(state.syncedAt) - SKEW_MS).toISOString() : undefined;
  let fetched = 0;
  for await (const issue of iterateIssues(octokit, {
    owner: repo.owner,
    repo: repo.repo,
    state: 'all',
    ...(since ? { updatedSince: since } : {}),
  })) {
    if (facts.get(issue.number)?.updated_at === issue.updatedAt) continue;
    const row: IssueFacts = {
      number: issue.number,
      title: issue.title,
      body: issue.body,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      labels: issue.labels,
      // Only labels on the issue now or removed from it matter; an issue that never had one has no label events.
      events:
        issue.labels.length > 0 || facts.has(issue.number) || since
          ? await readLabelEvents(octokit, repo.owner, repo.repo, issue.number)
          : [],
    };
    appendFileSync(file, JSON.stringify(row) + '\n');
    facts.set(row.number, row);
    opts.onIssue?.(++fetched);
  }
  const issues = [...facts.values()].sort((a, b) => a.number - b.number);
  writeAtomic(file, issues.map((r) => JSON.stringify(r) + '\n').join(''));
  writeAtomic(stateFile, JSON.stringify({ syncedAt: passStart }) + '\n');
  return { issues, kept: issues.length - fetched, fetched };
}
