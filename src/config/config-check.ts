import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { extractYamlBlock as extractConfigBlock, parseGlobalConfig } from './global-config';
import { aliasKeyProblems, DEFAULT_MODEL_LABELS, parseRepoConfigText } from '../github/repo-config';
import { extractYamlBlock as extractTrackingBlock, parseTrackingIssueBody } from '../helpers/subscriptions-parser';

/**
 * Offline validation of the three places settings live, with the bot's own parsers (so the messages are the ones the
 * status comment would show) plus a line number for each: the config issue body, a repo's tracking issue body, and
 * `.github/issue_label_bot.yaml`. Used by `label-bot check-config` (src/cli/commands/check-config.ts).
 */

export type ConfigKind = 'config-issue' | 'tracking-issue' | 'repo-file';

export interface ConfigFinding {
  severity: 'error' | 'warning';
  /** 1-based line in the checked text. */
  line: number;
  message: string;
}

export { DEFAULT_MODEL_LABELS };

/** `path.to.key` (joined like the schema messages) → 1-based line, for every key and list item of a YAML text. */
function yamlPaths(yaml: string): { lines: Map<string, number>; syntaxLine: number | null } {
  const counter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const lines = new Map<string, number>();
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined) =>
    n?.range ? counter.linePos(n.range[0]).line : null;
  const walk = (node: unknown, path: string[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const line = lineOf(pair.key as Node);
        const p = [...path, key];
        if (line !== null && !lines.has(p.join('.'))) lines.set(p.join('.'), line);
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const line = lineOf(item as Node);
        const p = [...path, String(i)];
        if (line !== null) lines.set(p.join('.'), line);
        walk(item, p);
      });
    }
  };
  walk(doc.contents, []);
  const err = doc.errors[0];
  return { lines, syntaxLine: err?.linePos?.[0]?.line ?? null };
}

/** The line a schema message (`path.to.key: …`, `unknown key "x" …`) points at: its longest matching path. */
function locate(message: string, paths: Map<string, number>, fallback: number): number {
  const unknownKey = /^unknown key "(.+)" ignored$/.exec(message);
  if (unknownKey && paths.has(unknownKey[1]!)) return paths.get(unknownKey[1]!)!;
  let best: { len: number; line: number } | null = null;
  for (const [path, line] of paths) {
    const next = message.charAt(path.length);
    if (message.startsWith(path) && (next === '.' || next === ':' || next === ' ') && (!best || path.length > best.len))
      best = { len: path.length, line };
  }
  return best?.line ?? fallback;
}

/** 0-based index of the first line of the ```yaml block's content in `body`, or -1. */
function yamlBlockStart(body: string): number {
  const lines = body.split(/\r\n|\r|\n/);
  return lines.findIndex((l) => /^ {0,3}(`{3,}|~{3,})[ \t]*ya?ml[ \t]*$/i.test(l)) + 1 || -1;
}

function findings(
  result: { ok: true; warnings: string[] } | { ok: false; errors: string[] },
  yaml: string | null,
  offset: number,
  extraWarnings: string[] = [],
): ConfigFinding[] {
  const { lines, syntaxLine } =
    yaml === null ? { lines: new Map<string, number>(), syntaxLine: null } : yamlPaths(yaml);
  const fallback = offset + 1;
  const at = (message: string): number => {
    const bodyLine = /^(?:cc )?line (\d+)\b/.exec(message);
    if (bodyLine) return Number(bodyLine[1]);
    // A YAML syntax error is the only error then (the schema never ran).
    if (!result.ok && syntaxLine !== null) return offset + syntaxLine;
    const stripped = message.replace(/^yaml block: /, '').replace(/^cc `([^`]*)`/, 'cc.$1');
    const line = locate(stripped, lines, 0);
    return line === 0 ? fallback : offset + line;
  };
  const out: ConfigFinding[] = result.ok
    ? result.warnings.map((message) => ({ severity: 'warning' as const, line: at(message), message }))
    : result.errors.map((message) => ({ severity: 'error' as const, line: at(message), message }));
  out.push(...extraWarnings.map((message) => ({ severity: 'warning' as const, line: at(message), message })));
  return out.sort((a, b) => a.line - b.line);
}

export function checkConfigText(
  kind: ConfigKind,
  text: string,
  opts: { modelLabels?: readonly string[] } = {},
): ConfigFinding[] {
  const modelLabels = opts.modelLabels ?? DEFAULT_MODEL_LABELS;
  if (kind === 'repo-file') {
    const parsed = parseRepoConfigText(text);
    const aliases = parsed.ok ? aliasKeyProblems(parsed.file['label-alias'], modelLabels) : [];
    return findings(parsed, text, 0, aliases);
  }
  const start = yamlBlockStart(text);
  if (kind === 'config-issue') {
    const block = extractConfigBlock(text);
    const parsed = parseGlobalConfig(text);
    const aliases = parsed.ok
      ? aliasKeyProblems(parsed.value.defaults?.['label-alias'], modelLabels).map((w) => `defaults.${w}`)
      : [];
    return findings(parsed, block.ok ? block.yaml : null, Math.max(start, 0), aliases);
  }
  const parsed = parseTrackingIssueBody(text);
  return findings(parsed, extractTrackingBlock(text), Math.max(start, 0));
}

/** `file:line: error: message`, the shape editors and CI annotators understand. */
export function formatFinding(file: string, f: ConfigFinding): string {
  return `${file}:${f.line}: ${f.severity}: ${f.message}`;
}
