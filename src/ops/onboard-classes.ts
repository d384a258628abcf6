/**
 * Which labels `onboard` trains on: labels a human put on enough issues that describe what an issue is. Labels the
 * bot applied itself never count (onboard-fetch.ts keeps them apart); workflow labels (good first issue, help
 * wanted, stale, duplicate, wontfix, invalid) are left out by default; `--labels` / `--label-map` (label-map.ts)
 * choose explicitly, `--exclude` adds to the left-out list.
 */
import type { LabeledIssue } from '../ml/dataset';
import { applyLabelFilter, normLabel, type LabelFilter } from '../ml/label-map';

/** Workflow labels: they say what to do with an issue, not what it is. Matched ignoring case, `-` and `_`. */
export const WORKFLOW_LABELS = ['good first issue', 'help wanted', 'stale', 'duplicate', 'wontfix', 'invalid'] as const;

const loose = (l: string): string => normLabel(l).replace(/[-_]+/g, ' ').replace(/\s+/g, ' ');

export interface ClassChoiceOptions {
  /** From `--labels` / `--label-map`: applied first; with `--labels` the default workflow list is not applied. */
  filter?: LabelFilter;
  explicitLabels?: boolean;
  /** `--exclude`: more labels to leave out. */
  exclude?: readonly string[];
  /** Keep the workflow labels (`--no-default-exclude`). */
  keepWorkflow?: boolean;
  /** A label needs at least this many issues. */
  minExamples: number;
}

export interface ClassChoice {
  classes: { label: string; issues: number }[];
  excluded: { label: string; issues: number; why: 'workflow' | 'excluded' | 'too few' }[];
  /** The training rows: labels reduced to the classes, rows left without one dropped. */
  rows: LabeledIssue[];
}

export function chooseClasses(input: readonly LabeledIssue[], opts: ClassChoiceOptions): ClassChoice {
  const rows = opts.filter ? applyLabelFilter(input, opts.filter).rows : [...input];
  const counts = new Map<string, number>();
  for (const r of rows) for (const l of r.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const workflow = new Set<string>(opts.keepWorkflow || opts.explicitLabels ? [] : WORKFLOW_LABELS.map(loose));
  const excludedByUser = new Set((opts.exclude ?? []).map(loose));
  const classes: ClassChoice['classes'] = [];
  const excluded: ClassChoice['excluded'] = [];
  for (const [label, issues] of [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))) {
    if (excludedByUser.has(loose(label))) excluded.push({ label, issues, why: 'excluded' });
    else if (workflow.has(loose(label))) excluded.push({ label, issues, why: 'workflow' });
    else if (issues < opts.minExamples) excluded.push({ label, issues, why: 'too few' });
    else classes.push({ label, issues });
  }
  const keep = new Set(classes.map((c) => c.label));
  const kept = rows
    .map((r) => ({ ...r, labels: r.labels.filter((l) => keep.has(l)) }))
    .filter((r) => r.labels.length > 0);
  return { classes, excluded, rows: kept };
}

/** Per label, how many issues carry it only because the bot put it there (never trained on). */
export function botLabelCounts(rows: readonly { bot_labels?: string[] }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const l of r.bot_labels ?? []) out[l] = (out[l] ?? 0) + 1;
  return out;
}
