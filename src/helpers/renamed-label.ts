import type { RepoConfigFile } from '../github/repo-config';
import { labelKey, quoteForMessage } from './handles';
import type { HelpersConfig } from './subscriptions-parser';

/**
 * Where settings still name a label that was renamed (`label.edited` with `changes.name.from`). GitHub moves the label
 * on every issue, but our settings hold names, so after a rename they silently stop matching; these say which one.
 */

/** The helper settings (CC, label rules, ciflow) that name `old`. */
export function helperSettingsNaming(config: HelpersConfig, old: string): string[] {
  const key = labelKey(old);
  const out: string[] = [];
  if ((config.cc.get(key) ?? []).length > 0) out.push('CC subscriptions');
  config.rules.forEach((r, i) => {
    const parts = [
      r.labels.some((l) => labelKey(l) === key) ? `\`${r.kind}\`` : null,
      r.then.some((l) => labelKey(l) === key) ? '`then`' : null,
    ].filter(Boolean);
    if (parts.length > 0) out.push(`label rule ${i + 1} (${parts.join(' and ')})`);
  });
  if (config.ciflow?.labels.some((l) => labelKey(l) === key)) out.push('`ciflow.labels`');
  return out;
}

/** The repo-file settings (`label-alias` targets, `predicted-labels`) that name `old`. */
export function repoFileSettingsNaming(file: RepoConfigFile, old: string): string[] {
  const key = labelKey(old);
  const out: string[] = [];
  for (const [model, target] of Object.entries(file['label-alias'] ?? {})) {
    if (target && labelKey(target) === key) out.push(`\`label-alias.${model}\``);
  }
  const predicted = file['predicted-labels'];
  const names = Array.isArray(predicted) ? predicted : Object.keys(predicted ?? {});
  if (names.some((l) => labelKey(l) === key)) out.push('`predicted-labels`');
  return out;
}

export function renameNotice(where: string, settings: string[], from: string, to: string): string {
  return `label ${quoteForMessage(from)} was renamed to ${quoteForMessage(to)}, but ${where} ${settings.join(', ')} still name${settings.length === 1 ? 's' : ''} ${quoteForMessage(from)}, which no longer exists: rename it there too.`;
}
