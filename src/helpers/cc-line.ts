import { handleKey } from './handles';

/**
 * A `cc @a @b` line (also `cc: @a`, `CC @a`). Only lines that contain nothing but handles count, so prose such as
 * "cc @alice could you look" is left alone and a fresh line is appended instead.
 */
const CC_LINE = /^([ \t]*cc:?)((?:[ \t]+@[A-Za-z0-9][A-Za-z0-9/_-]*)+)([ \t]*)$/i;
const HANDLE = /@[A-Za-z0-9][A-Za-z0-9/_-]*/g;

interface Line {
  text: string;
  eol: string;
}

function splitLines(body: string): Line[] {
  const out: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    out.push({ text: body.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  out.push({ text: body.slice(start), eol: '' });
  return out;
}

/** Handles already present on any cc line of the body (lower-cased keys). */
export function ccHandlesIn(body: string): Set<string> {
  const found = new Set<string>();
  for (const l of splitLines(body)) {
    const m = CC_LINE.exec(l.text);
    if (m) for (const h of (m[2] ?? '').match(HANDLE) ?? []) found.add(handleKey(h));
  }
  return found;
}

/**
 * Adds `handles` to the body's first cc line, or appends a new `cc …` line.
 * Returns the body unchanged (same string) when every handle is already cc'd, so callers PATCH only when the set grows.
 * Every byte outside the edited line is preserved; a new line uses the body's own line ending.
 */
export function mergeCcLine(body: string | null | undefined, handles: readonly string[]): string {
  const text = body ?? '';
  const present = ccHandlesIn(text);
  const missing: string[] = [];
  for (const h of handles) {
    const k = handleKey(h);
    if (!present.has(k)) {
      present.add(k);
      missing.push(h.startsWith('@') ? h : `@${h}`);
    }
  }
  if (missing.length === 0) return text;
  const addition = missing.join(' ');
  const lines = splitLines(text);
  const idx = lines.findIndex((l) => CC_LINE.test(l.text));
  if (idx !== -1) {
    const line = lines[idx] as Line;
    const m = CC_LINE.exec(line.text) as RegExpExecArray;
    lines[idx] = { text: `${m[1]}${m[2]} ${addition}${m[3]}`, eol: line.eol };
    return lines.map((l) => l.text + l.eol).join('');
  }
  if (text === '') return `cc ${addition}`;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const sep = /(\r\n|\r|\n)$/.test(text) ? eol : eol + eol;
  return `${text}${sep}cc ${addition}`;
}
