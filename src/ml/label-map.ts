/**
 * Mapping a repo's own labels onto a model's label set (`train`/`eval` `--label-map`, `--labels`).
 *
 * Repos name the same thing differently (`kind/bug`, `type: bug`, `🐛 bug`; `enhancement`, `feature_request`), so a
 * universal model trained on several repos needs their labels mapped onto one set first, and every other label
 * (`good first issue`, `area/ui`, `needs-triage`) dropped. Matching is case-insensitive and ignores surrounding
 * whitespace; the output uses the target's spelling. Pure functions; the CLI reads the file and prints the counts.
 *
 * Two forms, one meaning (repo label → model label):
 * - inline: `kind/bug=bug,type: bug=bug,enhancement=feature` (comma-separated `repo label=model label`; the last
 *   `=` splits, so a repo label may contain `=` but not `,`);
 * - a `.json`, `.yaml` or `.yml` file: an object from model label to its repo labels (a list, or one string):
 *   `{bug: [kind/bug, "type: bug"], feature: [enhancement, feature_request]}`.
 * A model label also matches itself (`bug` stays `bug`) unless the map sends that name elsewhere.
 */
import { parse as parseYaml } from 'yaml';
import type { LabeledIssue } from './dataset';

export class LabelMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelMapError';
  }
}

/** repo label (normalised) → model label. */
export type LabelMapping = ReadonlyMap<string, string>;

/** Case-insensitive, whitespace-trimmed key for matching label names. */
export const normLabel = (l: string): string => l.trim().toLowerCase();

function addPair(map: Map<string, string>, from: string, to: string, where: string): void {
  const f = from.trim();
  const t = to.trim();
  if (f === '' || t === '') throw new LabelMapError(`${where}: empty label name`);
  const prev = map.get(normLabel(f));
  if (prev !== undefined && normLabel(prev) !== normLabel(t)) {
    throw new LabelMapError(`${where}: "${f}" is mapped to both "${prev}" and "${t}"`);
  }
  map.set(normLabel(f), prev ?? t);
}

/** Inline form: `repo label=model label,…`. */
export function parseInlineLabelMap(spec: string): LabelMapping {
  const map = new Map<string, string>();
  const entries = spec.split(',').filter((e) => e.trim() !== '');
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    if (eq < 0) throw new LabelMapError(`--label-map: "${entry.trim()}" is not "repo label=model label"`);
    addPair(map, entry.slice(0, eq), entry.slice(eq + 1), `--label-map "${entry.trim()}"`);
  }
  if (map.size === 0)
    throw new LabelMapError('--label-map: empty mapping (want e.g. "kind/bug=bug,enhancement=feature")');
  return map;
}

/** File form, already parsed: `{model label: [repo labels] | repo label}`. `source` names the file in errors. */
export function labelMapFromObject(value: unknown, source: string): LabelMapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LabelMapError(
      `${source}: expected an object {model label: [repo labels]}, e.g. {bug: [kind/bug], feature: [enhancement]}`,
    );
  }
  const map = new Map<string, string>();
  for (const [target, sources] of Object.entries(value as Record<string, unknown>)) {
    const list = typeof sources === 'string' ? [sources] : sources;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
      throw new LabelMapError(`${source}: "${target}" must map to a list of label names (strings)`);
    }
    for (const s of list as string[]) addPair(map, s, target, `${source}: "${target}"`);
  }
  if (map.size === 0) throw new LabelMapError(`${source}: empty mapping`);
  return map;
}

/** File form from its text; the format comes from the extension (.json, .yaml, .yml). */
export function parseLabelMapFile(text: string, fileName: string): LabelMapping {
  const ext = /\.([^./]+)$/.exec(fileName)?.[1]?.toLowerCase();
  let value: unknown;
  try {
    if (ext === 'json') value = JSON.parse(text);
    else if (ext === 'yaml' || ext === 'yml') value = parseYaml(text);
    else
      throw new LabelMapError(
        `${fileName}: unknown label-map format "${ext ?? '(no extension)'}"; use .json, .yaml or .yml`,
      );
  } catch (err) {
    if (err instanceof LabelMapError) throw err;
    throw new LabelMapError(
      `${fileName}: cannot parse ${ext === 'json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`,
    );
  }
  return labelMapFromObject(value, fileName);
}

/** `--labels bug,feature,question`: names kept (after mapping), in the given spelling. */
export function parseLabelList(spec: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of spec.split(',')) {
    const l = raw.trim();
    if (l === '' || seen.has(normLabel(l))) continue;
    seen.add(normLabel(l));
    out.push(l);
  }
  if (out.length === 0) throw new LabelMapError('--labels: empty list (want e.g. "bug,feature,question")');
  return out;
}

/** A compiled `--label-map` / `--labels` pair. */
export interface LabelFilter {
  /** Maps one row label to its model label, or null to drop it. */
  map(label: string): string | null;
  /** Model labels this filter can produce, sorted. */
  readonly targets: readonly string[];
}

/**
 * Compiles the mapping and the allow-list. Without a mapping every label maps to itself; with `keep`, only those
 * labels survive (after mapping), spelled as in `keep`. Fewer than 2 possible labels is an error: nothing to learn.
 */
export function labelFilter(mapping: LabelMapping | undefined, keep: readonly string[] | undefined): LabelFilter {
  const keepNorm = keep ? new Map(keep.map((l) => [normLabel(l), l])) : undefined;
  const finish = (l: string | undefined): string | null => {
    if (l === undefined) return null;
    if (!keepNorm) return l;
    return keepNorm.get(normLabel(l)) ?? null;
  };
  let map: (label: string) => string | null;
  let candidates: string[];
  if (mapping) {
    // A model label matches itself too, unless the map sends that name elsewhere.
    const full = new Map(mapping);
    for (const t of mapping.values()) if (!full.has(normLabel(t))) full.set(normLabel(t), t);
    map = (label) => finish(full.get(normLabel(label)));
    candidates = [...full.values()];
  } else if (keepNorm) {
    map = (label) => finish(label);
    candidates = [...keepNorm.values()];
  } else {
    map = (label) => label;
    candidates = [];
  }
  const targets = [...new Set(candidates.map(finish).filter((l): l is string => l !== null))].sort();
  if ((mapping || keepNorm) && targets.length < 2) {
    const what = mapping && keepNorm ? '--label-map with --labels' : mapping ? '--label-map' : '--labels';
    throw new LabelMapError(
      `${what} leaves ${targets.length === 0 ? 'no label' : `only "${targets[0]}"`}; a classifier needs at least 2 labels`,
    );
  }
  return { map, targets };
}

export interface LabelFilterResult {
  rows: LabeledIssue[];
  /** Rows dropped because no label survived. */
  dropped: number;
  /** Kept rows per model label. */
  counts: Record<string, number>;
  /** Kept rows with more than one label after mapping (they make the set multi-label). */
  multiLabelRows: number;
}

/** Maps every row's labels; rows left with no label are dropped. Input rows are not modified. */
export function applyLabelFilter(rows: readonly LabeledIssue[], filter: LabelFilter): LabelFilterResult {
  const out: LabeledIssue[] = [];
  const counts: Record<string, number> = {};
  let multiLabelRows = 0;
  for (const r of rows) {
    const labels = [...new Set(r.labels.map((l) => filter.map(l)).filter((l): l is string => l !== null))].sort();
    if (labels.length === 0) continue;
    if (labels.length > 1) multiLabelRows++;
    for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
    out.push({ ...r, labels });
  }
  return { rows: out, dropped: rows.length - out.length, counts, multiLabelRows };
}
