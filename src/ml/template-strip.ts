/**
 * Issue-template boilerplate removal, so a model learns the words people write rather than the skeleton of the
 * templates their repo happens to use (issue #14: the universal model learned "long templated body → bug").
 *
 * Two kinds:
 * - `stripTemplateBoilerplate(body)`: static rules that need nothing but the body, so serving can apply them to an
 *   issue of a repo the model has never seen (it is a featurizer setting, `stripTemplate`): HTML comments,
 *   markdown headings and bold-only "heading" lines, checklist lines, and placeholder answers (`_No response_`,
 *   `N/A`, `None`, …).
 * - `recurringLines(bodies, …)` + `removeLines(body, lines)`: lines that recur across many issues of one repo
 *   (the repo's own template prose). Only possible at training time, where a repo's other issues are known; the
 *   trainer uses it to clean its training rows (TrainOptions.stripRecurringLines), never at serving time.
 */

/** Placeholder answers of issue forms; compared after normalizeLine. */
const PLACEHOLDERS = new Set(['no response', 'n a', 'na', 'none', 'tbd', 'todo', 'nothing', 'no', 'yes', '']);

/**
 * A line reduced to its words: lower case, letters/digits runs separated by single spaces. Template lines that
 * differ only in punctuation or markup (`### Steps to reproduce:` / `**Steps to reproduce**`) compare equal.
 */
export function normalizeLine(line: string): string {
  return line
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function isChecklist(t: string): boolean {
  return /^[-*+]\s*\[[ xX]?\]/.test(t);
}

function isHeadingLike(t: string): boolean {
  if (t.startsWith('#')) return true;
  // Bold-only line, optionally followed by a colon: "**Describe the bug**", "**Version:**"
  return /^(\*\*|__)[^*_]{1,118}(\*\*|__):?$/.test(t);
}

/** Removes `<!-- … -->` comments (an unclosed comment runs to the end, as GitHub renders it). */
export function stripHtmlComments(text: string): string {
  if (!text.includes('<!--')) return text;
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('<!--', pos);
    if (open < 0) return out + text.slice(pos);
    out += text.slice(pos, open);
    const close = text.indexOf('-->', open + 4);
    if (close < 0) return out;
    pos = close + 3;
  }
}

/**
 * Static template boilerplate removal (serving-safe: needs only the body). Keeps every other line as it was,
 * in order; blank lines are kept so paragraph structure (and the featurizer's bigram breaks) is unchanged.
 */
export function stripTemplateBoilerplate(body: string): string {
  if (body.length === 0) return body;
  const lines = stripHtmlComments(body).split('\n');
  const kept: string[] = [];
  let inFence = false;
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith('```')) inFence = !inFence;
    if (inFence || t.startsWith('```')) {
      kept.push(line);
      continue;
    }
    if (t.length === 0) {
      kept.push('');
      continue;
    }
    if (isHeadingLike(t) || isChecklist(t)) continue;
    if (t.length <= 16 && PLACEHOLDERS.has(normalizeLine(t))) continue;
    kept.push(line);
  }
  return kept.join('\n');
}

/**
 * Normalised lines (≥ minChars after normalisation) found in at least `minShare` of the bodies and in at least
 * `minCount` of them — a repo's template prose. Each body counts a line once.
 */
export function recurringLines(bodies: readonly string[], minShare = 0.05, minCount = 3, minChars = 3): Set<string> {
  const df = new Map<string, number>();
  for (const b of bodies) {
    const seen = new Set<string>();
    for (const line of stripHtmlComments(b ?? '').split('\n')) {
      const n = normalizeLine(line);
      if (n.length >= minChars) seen.add(n);
    }
    for (const n of seen) df.set(n, (df.get(n) ?? 0) + 1);
  }
  const need = Math.max(minCount, Math.ceil(minShare * bodies.length));
  const out = new Set<string>();
  for (const [n, c] of df) if (c >= need) out.add(n);
  return out;
}

/** The body without the lines whose normalised form is in `lines` (and without HTML comments). */
export function removeLines(body: string, lines: ReadonlySet<string>): string {
  if (lines.size === 0 || body.length === 0) return body;
  return stripHtmlComments(body)
    .split('\n')
    .filter((line) => !lines.has(normalizeLine(line)))
    .join('\n');
}

const URL_RE = /https?:\/\/\S+/g;
const NUMBER_RE = /\d+(?:\.\d+)*/g;

/**
 * Body text normalisation (featurizer setting `normalizeBody`): each fenced code block becomes the word `codeblock`,
 * each URL `urllink`, each number or dotted version `numtoken` — what they are, not which one (log lines, hashes,
 * line numbers and versions are specific to one repo).
 */
export function normalizeBodyText(body: string): string {
  if (body.length === 0) return body;
  let out = '';
  let pos = 0;
  for (;;) {
    const open = body.indexOf('```', pos);
    if (open < 0) {
      out += body.slice(pos);
      break;
    }
    out += body.slice(pos, open) + '\ncodeblock\n';
    const close = body.indexOf('```', open + 3);
    if (close < 0) break;
    pos = close + 3;
  }
  return out.replace(URL_RE, ' urllink ').replace(NUMBER_RE, ' numtoken ');
}

/**
 * A line that is only courtesy: thanks, "any help appreciated", "thanks in advance", a sign-off. Matched on the
 * normalised line (normalizeLine), so punctuation and emphasis don't matter; a line that also says something else
 * ("Thanks, but the fix breaks X") is kept.
 */
const COURTESY_LINE =
  /^(?:(?:many |big )?thanks?(?: you)?(?: (?:so|very) much)?(?: a lot)?(?: in advance)?(?: for (?:your|any) (?:help|time|support|work))?|thx|ty|cheers|regards|best regards|kind regards|best|(?:any )?(?:help|advice|pointers|suggestions)(?: (?:is|are|would be|will be))?(?: (?:much|greatly|really|highly))? appreciated|please help|hope (?:this|that) helps|hope you can help)(?: \p{L}+)?$/u;

/** Drops lines that are only courtesy (see COURTESY_LINE); every other line is kept as it was. */
export function dropCourtesyLines(body: string): string {
  if (body.length === 0) return body;
  const lines = body.split('\n');
  const kept = lines.filter((line) => {
    const t = normalizeLine(line);
    return t.length === 0 || !COURTESY_LINE.test(t);
  });
  return kept.length === lines.length ? body : kept.join('\n');
}

/** The title, or, when it is blank, the body's first non-blank line (removed from the body). */
export function titleOrFirstLine(title: string, body: string): { title: string; body: string } {
  if (title.trim().length > 0 || body.length === 0) return { title, body };
  const lines = body.split('\n');
  const first = lines.findIndex((l) => l.trim().length > 0);
  if (first < 0) return { title, body };
  return { title: lines[first]!.trim(), body: lines.slice(first + 1).join('\n') };
}
