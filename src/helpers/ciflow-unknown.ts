import type { Logger } from 'pino';
import type { GitHubClient, RepoRef } from '../vocabulary';
import { labelKey } from './handles';
import { upsertMarkedComment } from './marked-comment';
import type { HelpersConfig } from './subscriptions-parser';

export const CIFLOW_UNKNOWN_MARKER = '<!-- label-bot:ciflow-unknown -->';

/**
 * `ciflow/…` labels among `added` that no ciflow setting names. Only for repos that use ciflow at all: elsewhere a
 * `ciflow/x` label is just a label. A typo (`ciflow/trunc`) would otherwise silently run nothing.
 */
export function unknownCiflowLabels(config: HelpersConfig, added: readonly string[]): string[] {
  const configured = config.ciflow?.labels ?? [];
  if (configured.length === 0) return [];
  return added.filter((l) => /^ciflow\//i.test(l.trim()) && !configured.some((c) => labelKey(c) === labelKey(l)));
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function unknownLabelText(unknown: readonly string[], configured: readonly string[]): string {
  const names = unknown.map(code).join(', ');
  return [
    `Unknown label ${names}: it does not trigger CI here.`,
    `Currently recognized labels are: ${configured.map(code).join(', ')}.`,
  ].join('\n');
}

/** One comment per PR, edited (not repeated) on redelivery or when another unknown label is added. */
export async function upsertUnknownLabelComment(
  octokit: GitHubClient,
  ref: RepoRef,
  pr: number,
  unknown: readonly string[],
  configured: readonly string[],
  log: Logger,
): Promise<void> {
  const action = await upsertMarkedComment(
    octokit,
    ref,
    pr,
    CIFLOW_UNKNOWN_MARKER,
    unknownLabelText(unknown, configured),
  );
  log.info({ pr, unknown, comment: action }, 'ciflow: unknown label');
}
