import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkHandle, handleKey, labelKey, quoteForMessage } from './handles';
import {
  DEFAULT_CIFLOW_FORKS,
  DEFAULT_CIFLOW_MODE,
  DEFAULT_DISPATCH_EVENT_TYPE,
  repoHelpersSchema,
  type CiflowForks,
  type CiflowMode,
  type RepoHelpersConfig,
} from './schema';

export interface LabelRule {
  kind: 'any' | 'all';
  labels: string[];
  then: string[];
}

export interface CiflowConfig {
  labels: string[];
  mode: CiflowMode;
  eventType: string;
  forks: CiflowForks;
}

/** Normalised helper settings; label keys are lower-case because GitHub labels are case-insensitive. */
export interface HelpersConfig {
  /** labelKey → subscribers (deduplicated case-insensitively, first spelling kept). */
  cc: Map<string, string[]>;
  rules: LabelRule[];
  ciflow?: CiflowConfig;
  respectRemovalMinutes?: number;
}

export type ParseResult<T> = { ok: true; value: T; warnings: string[] } | { ok: false; errors: string[] };

export function emptyHelpers(): HelpersConfig {
  return { cc: new Map(), rules: [] };
}

function addSubscribers(cc: Map<string, string[]>, label: string, handles: string[]): void {
  const key = labelKey(label);
  const list = cc.get(key) ?? [];
  const seen = new Set(list.map(handleKey));
  for (const h of handles) {
    if (!seen.has(handleKey(h))) {
      seen.add(handleKey(h));
      list.push(h);
    }
  }
  cc.set(key, list);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const BULLET = /^\s*[*+-]\s+(.*)$/;
/** A separator between label and handles: `label - @a`, `label: @a`, `label – @a`. */
const TRAILING_SEPARATOR = /\s*(?:[-–—]+|:)\s*$/;

/** Splits `* label @a @b` into its label and its handle tokens; null when the line names nobody (plain prose bullet). */
function splitBullet(content: string): { label: string; tokens: string[] } | null {
  const at = content.search(/(^|\s)@/);
  if (at === -1) return null;
  let label = content.slice(0, at).replace(TRAILING_SEPARATOR, '').trim();
  // `* `module: nn` @a` and `* "module: nn" @a` are common when the label itself contains odd characters.
  const quoted = /^([`"'])(.*)\1$/.exec(label);
  if (quoted) label = (quoted[2] ?? '').trim();
  const tokens = content
    .slice(at)
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0);
  return { label, tokens };
}

/**
 * Parses PTP's subscription bullets (`* label @user @org/team`, also `-`/`+` bullets, `label - @user`, `label: @user`).
 * Lines inside fenced code blocks are skipped, so a yaml block in the same issue body is not read twice.
 */
export function parseSubscriptionBullets(
  text: string,
  cc: Map<string, string[]> = new Map(),
): {
  cc: Map<string, string[]>;
  warnings: string[];
} {
  const warnings: string[] = [];
  let fence: string | null = null;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    const f = FENCE.exec(line);
    if (f) {
      const marker = f[1] ?? '';
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      return;
    }
    if (fence !== null) return;
    const b = BULLET.exec(line);
    if (!b) return;
    const split = splitBullet(b[1] ?? '');
    if (!split) return;
    const where = `line ${i + 1}`;
    if (split.label.length === 0) {
      warnings.push(`${where}: no label before the handles; the line is ignored`);
      return;
    }
    if (split.label.length > 50) {
      warnings.push(`${where}: label ${quoteForMessage(split.label)} is longer than GitHub's 50 characters; ignored`);
      return;
    }
    const handles = checkTokens(split.tokens, `${where} (${quoteForMessage(split.label)})`, warnings);
    if (handles.length > 0) addSubscribers(cc, split.label, handles);
  });
  return { cc, warnings };
}

function checkTokens(tokens: string[], where: string, warnings: string[]): string[] {
  const ok: string[] = [];
  for (const t of tokens) {
    const c = checkHandle(t);
    if (c.ok) ok.push(c.handle);
    else warnings.push(`${where}: ${quoteForMessage(t)} ignored: ${c.reason}`);
  }
  return ok;
}

/** Characters and sequences git forbids in a ref name (git check-ref-format). */
function refSafeReason(label: string): string | null {
  const name = ciflowTagLabel(label);
  // eslint-disable-next-line no-control-regex -- git forbids control characters in ref names; that is the point.
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name)) return 'contains a space or a character git forbids in tag names';
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return 'contains `..`, `@{` or `//`';
  if (name.split('/').some((c) => c === '' || c.startsWith('.') || c.endsWith('.lock'))) {
    return 'has an empty path component, one starting with `.` or ending with `.lock`';
  }
  if (name.endsWith('.')) return 'ends with `.`';
  return null;
}

/** `ciflow/trunk` and `trunk` both map to tags `ciflow/trunk/<PR>` (PyTorch names its labels `ciflow/…`). */
export function ciflowTagLabel(label: string): string {
  return label.replace(/^ciflow\//i, '');
}

/** Turns schema-valid settings into HelpersConfig, reporting (not failing on) bad handles and unusable ciflow labels. */
export function normalizeHelpers(raw: RepoHelpersConfig): { value: HelpersConfig; warnings: string[] } {
  const value = emptyHelpers();
  const warnings: string[] = [];
  if (typeof raw.cc === 'string') {
    warnings.push(...parseSubscriptionBullets(raw.cc, value.cc).warnings.map((w) => `cc ${w}`));
  } else if (raw.cc) {
    for (const [label, list] of Object.entries(raw.cc)) {
      const tokens = typeof list === 'string' ? list.split(/[\s,;]+/).filter(Boolean) : list;
      const handles = checkTokens(tokens, `cc ${quoteForMessage(label)}`, warnings);
      if (handles.length > 0) addSubscribers(value.cc, label, handles);
    }
  }
  for (const r of raw['label-rules'] ?? []) {
    const kind = r.any ? 'any' : 'all';
    value.rules.push({ kind, labels: (r.any ?? r.all ?? []).map((l) => l.trim()), then: r.then.map((l) => l.trim()) });
  }
  if (raw.ciflow) {
    const mode = raw.ciflow.mode ?? DEFAULT_CIFLOW_MODE;
    const labels: string[] = [];
    for (const l of raw.ciflow.labels) {
      const reason = mode === 'tag' ? refSafeReason(l) : null;
      if (reason) warnings.push(`ciflow label ${quoteForMessage(l)} ignored: ${reason}`);
      else if (!labels.some((x) => labelKey(x) === labelKey(l))) labels.push(l);
    }
    value.ciflow = {
      labels,
      mode,
      eventType: raw.ciflow['dispatch-event-type'] ?? DEFAULT_DISPATCH_EVENT_TYPE,
      forks: raw.ciflow.forks ?? DEFAULT_CIFLOW_FORKS,
    };
    if (raw.ciflow.forks === 'tag') {
      warnings.push(
        "ciflow.forks: tag lets commits a fork PR author pushes after the label run CI with this repository's secrets; `review` (the default) only triggers on a head someone with write access labeled",
      );
    }
  }
  if (raw['respect-removal-minutes'] !== undefined) value.respectRemovalMinutes = raw['respect-removal-minutes'];
  return { value, warnings };
}

/** Handle/label warnings for a `repos:` entry, for the global config's status comment. */
export function helperWarnings(entry: RepoHelpersConfig): string[] {
  return normalizeHelpers(entry).warnings;
}

/**
 * Unions several sources (global config section first, then the tracking issue):
 * subscribers and rules add up; for single values (ciflow mode, removal window) the later source wins.
 */
export function mergeHelpers(...configs: Array<HelpersConfig | undefined>): HelpersConfig {
  const out = emptyHelpers();
  for (const c of configs) {
    if (!c) continue;
    for (const [label, handles] of c.cc) addSubscribers(out.cc, label, handles);
    out.rules.push(...c.rules);
    if (c.ciflow) {
      const labels = [...(out.ciflow?.labels ?? [])];
      for (const l of c.ciflow.labels) if (!labels.some((x) => labelKey(x) === labelKey(l))) labels.push(l);
      out.ciflow = { ...c.ciflow, labels };
    }
    if (c.respectRemovalMinutes !== undefined) out.respectRemovalMinutes = c.respectRemovalMinutes;
  }
  return out;
}

export function formatZodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const path = i.path.length > 0 ? i.path.join('.') : '(top level)';
    return `${prefix}${path}: ${i.message}`;
  });
}

/** The first fenced ```yaml / ```yml block of a Markdown body, or null. */
export function extractYamlBlock(body: string): string | null {
  const lines = body.split(/\r\n|\r|\n/);
  let fence: string | null = null;
  let collecting = false;
  const out: string[] = [];
  for (const line of lines) {
    const f = FENCE.exec(line);
    if (f && fence === null) {
      fence = f[1] ?? '';
      collecting = /^ya?ml$/i.test(f[2] ?? '');
      continue;
    }
    if (f && fence !== null && (f[1] ?? '')[0] === fence[0] && (f[1] ?? '').length >= fence.length && !f[2]) {
      if (collecting) return out.join('\n');
      fence = null;
      continue;
    }
    if (collecting) out.push(line);
  }
  return collecting ? out.join('\n') : null;
}

/**
 * Parses a tracking issue body: PTP bullets anywhere outside code fences, plus an optional ```yaml block
 * with the same keys as a `repos:` entry of the global config. A broken yaml block is an error (the caller keeps the
 * last good config); bad handles are warnings.
 */
export function parseTrackingIssueBody(body: string | null | undefined): ParseResult<HelpersConfig> {
  const text = body ?? '';
  const bullets = parseSubscriptionBullets(text);
  const block = extractYamlBlock(text);
  let fromYaml: { value: HelpersConfig; warnings: string[] } | undefined;
  if (block !== null && block.trim() !== '') {
    let doc: unknown;
    try {
      doc = parseYaml(block, { maxAliasCount: 50 });
    } catch (e) {
      return { ok: false, errors: [`yaml block: ${(e as Error).message.split('\n')[0]}`] };
    }
    const parsed = repoHelpersSchema.safeParse(doc ?? {});
    if (!parsed.success) return { ok: false, errors: formatZodIssues(parsed.error, 'yaml block: ') };
    fromYaml = normalizeHelpers(parsed.data);
  }
  const bulletsConfig: HelpersConfig = { ...emptyHelpers(), cc: bullets.cc };
  return {
    ok: true,
    value: mergeHelpers(bulletsConfig, fromYaml?.value),
    warnings: [...bullets.warnings, ...(fromYaml?.warnings ?? [])],
  };
}
