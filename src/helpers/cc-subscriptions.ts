import type { Logger } from 'pino';
import { mergeCcLine } from './cc-line';
import { getLiveItem } from './github-ops';
import type { GitHubClient, RepoRef } from '../vocabulary';
import { handleKey, labelKey } from './handles';
import type { HelpersConfig } from './subscriptions-parser';

export function subscribersFor(config: HelpersConfig, labels: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const l of labels) {
    for (const h of config.cc.get(labelKey(l)) ?? []) {
      if (!seen.has(handleKey(h))) {
        seen.add(handleKey(h));
        out.push(h);
      }
    }
  }
  return out;
}

export interface CcInput {
  octokit: GitHubClient;
  ref: RepoRef;
  number: number;
  isPull: boolean;
  /** Labels known from the event (payload labels, the label just added, labels the rules just added). */
  eventLabels: readonly string[];
  log: Logger;
}

/**
 * Merges the subscribers of every label on the issue/PR into its `cc` line.
 * Writes only when the set of cc'd people grows, so redeliveries and the labeled events of our own label additions
 * are no-ops. The body is read right before writing so a human edit a moment earlier is kept.
 * (GitHub has no conditional PATCH for issue bodies, so an edit between our GET and PATCH can still be lost; the window
 * is one round trip.)
 */
export async function ccOnLabeled(
  config: HelpersConfig,
  input: CcInput,
): Promise<'patched' | 'unchanged' | 'no-subscribers'> {
  // The payload lists every label present at event time; if none has subscribers this event costs no API call.
  // (A label added later has its own labeled event.)
  if (subscribersFor(config, input.eventLabels).length === 0) return 'no-subscribers';
  const live = await getLiveItem(input.octokit, input.ref, input.number, input.isPull);
  const labels = [...new Set([...live.labels, ...input.eventLabels])];
  const author = handleKey(live.author);
  const wanted = subscribersFor(config, labels).filter((h) => handleKey(h) !== author && !/\[bot\]$/i.test(h));
  if (wanted.length === 0) return 'no-subscribers';
  const next = mergeCcLine(live.body, wanted);
  if (next === live.body) return 'unchanged';
  if (input.isPull) {
    await input.octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...input.ref,
      pull_number: input.number,
      body: next,
    });
  } else {
    await input.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...input.ref,
      issue_number: input.number,
      body: next,
    });
  }
  input.log.info({ number: input.number, added: wanted.length }, 'cc line updated');
  return 'patched';
}
