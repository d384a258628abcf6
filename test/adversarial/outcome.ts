import type { GitHubStandIn } from '../support/github-stand-in';

export type IssueOutcome = 'labeled' | 'dead-lettered' | 'lost' | 'duplicated';

/**
 * What became of one filed issue: labeled exactly once (each label added by one event, at most one bot comment),
 * recorded in the dead-letter topic, lost (neither), or duplicated (a label added twice or two bot comments).
 */
export function issueOutcome(
  gh: GitHubStandIn,
  repo: string,
  n: number,
  deadLettered: readonly string[] = [],
): IssueOutcome {
  const snap = gh.issue(repo, n);
  const perLabel = new Map<string, number>();
  for (const e of snap.events)
    if (e.event === 'labeled' && e.label) perLabel.set(e.label, (perLabel.get(e.label) ?? 0) + 1);
  if ([...perLabel.values()].some((c) => c > 1) || gh.botComments(repo, n).length > 1) return 'duplicated';
  if (snap.labels.length > 0) return 'labeled';
  if (deadLettered.includes(`${repo}#${n}`)) return 'dead-lettered';
  return 'lost';
}

/** Requests the GitHub stand-in answered with an injected fault (5xx, 403 rate limit, hang …). */
export function faultsFired(gh: GitHubStandIn): number {
  return gh.counters.requests().filter((r) => r.fault).length;
}
