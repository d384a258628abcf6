import type { Logger } from 'pino';
import { getLiveItem } from './github-ops';
import type { GitHubClient, RepoRef } from '../vocabulary';
import { labelKey } from './handles';
import { ruleClosure } from './label-rules';
import { DEFAULT_RESPECT_REMOVAL_MINUTES } from './schema';
import type { HelpersConfig } from './subscriptions-parser';

interface IssueEvent {
  event?: string;
  created_at?: string;
  actor?: { type?: string } | null;
  label?: { name?: string } | null;
}

/** Labels a human (not a bot) removed within the window, from the issue's event history. */
export async function recentHumanRemovals(
  octokit: GitHubClient,
  ref: RepoRef,
  number: number,
  windowMs: number,
  now: number,
): Promise<Set<string>> {
  const events = (await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/events', {
    ...ref,
    issue_number: number,
    per_page: 100,
  })) as IssueEvent[];
  const removed = new Set<string>();
  for (const e of events) {
    if (e.event !== 'unlabeled' || !e.label?.name || e.actor?.type === 'Bot') continue;
    const at = Date.parse(e.created_at ?? '');
    if (Number.isFinite(at) && now - at < windowMs) removed.add(labelKey(e.label.name));
  }
  return removed;
}

export interface RulesInput {
  octokit: GitHubClient;
  ref: RepoRef;
  number: number;
  /** The label just added. */
  added: string;
  /** Labels present at event time (payload); live labels are read before writing. */
  present: readonly string[];
  now: number;
  log: Logger;
}

/**
 * Applies label rules for one human `labeled` event: computes the closure once and adds it in one call.
 * The caller must skip events sent by bots (our own additions included): that, plus the closure being complete,
 * is why rules cannot loop. Adding labels is a set union on GitHub's side, so a redelivery writes nothing new
 * (the targets are present by then and the closure is empty).
 */
export async function applyLabelRules(config: HelpersConfig, input: RulesInput): Promise<string[]> {
  if (config.rules.length === 0) return [];
  // The payload is a snapshot: decide on live labels so a redelivery (targets already added) writes nothing.
  if (ruleClosure(config.rules, input.added, input.present).length === 0) return [];
  const live = await getLiveItem(input.octokit, input.ref, input.number, false);
  const present = [...new Set([...live.labels, ...input.present])];
  const candidates = ruleClosure(config.rules, input.added, present);
  if (candidates.length === 0) return [];
  const minutes = config.respectRemovalMinutes ?? DEFAULT_RESPECT_REMOVAL_MINUTES;
  let toAdd = candidates;
  if (minutes > 0) {
    const removed = await recentHumanRemovals(input.octokit, input.ref, input.number, minutes * 60_000, input.now);
    if (removed.size > 0) {
      toAdd = ruleClosure(config.rules, input.added, present, (l) => removed.has(labelKey(l)));
      const skipped = candidates.filter((c) => !toAdd.includes(c));
      if (skipped.length > 0)
        input.log.info({ number: input.number, skipped }, 'label rules: not re-adding labels a human removed recently');
    }
  }
  if (toAdd.length === 0) return [];
  await input.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
    ...input.ref,
    issue_number: input.number,
    labels: toAdd,
  });
  input.log.info({ number: input.number, added: toAdd }, 'label rules applied');
  return toAdd;
}
