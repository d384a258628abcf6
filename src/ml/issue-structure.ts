/**
 * Issue-structure features: markdown headings (the skeleton of issue templates) and indicators such as a title
 * ending in `?`, code fences, stack traces, version strings, links, checklists and wish phrasing; with featurizer
 * version 3 settings, also cue-word indicators (lexicon.ts) and the content-only subset of the indicators.
 *
 * They say what kind of issue it is regardless of its topic words, so they are a group of their own; they are
 * computed from line starts, indexOf and two regexes per issue, to stay cheap on 1 MB bodies.
 */
import type { FeatureCounts } from './feature-counts';
import { GROUP_HEADINGS, GROUP_META, NS_HEADING, NS_META, NS_TITLE_WORD } from './feature-groups';
import { FNV_PRIME, hashString } from './hashing';
import { cueKinds } from './lexicon';
import { isWordChar } from './tokenizer';

const QUESTION_STARTS = [
  'how',
  'what',
  'why',
  'is',
  'are',
  'can',
  'could',
  'does',
  'do',
  'should',
  'where',
  'which',
  'when',
  'who',
  'will',
  'would',
  'any',
  'help',
  'question',
];
/** Title-word hashes (as the tokenizer computes them) of the words that start a question. */
const QUESTION_START_HASHES = new Set(QUESTION_STARTS.map((w) => hashString(NS_TITLE_WORD, w)));

function meta(s: FeatureCounts, name: string, mask: number): void {
  s.push(GROUP_META, hashString(NS_META, name), mask);
}

function bucket(n: number): number {
  return n <= 0 ? 0 : Math.min(12, 1 + Math.floor(Math.log2(n)));
}

/** Markdown headings and bold-only lines, the skeleton of issue templates. Scans line starts only. */
export function emitHeadings(s: FeatureCounts, body: string, mask: number): number {
  let count = 0;
  let pos = 0;
  const len = body.length;
  while (pos < len) {
    let end = body.indexOf('\n', pos);
    if (end < 0) end = len;
    let p = pos;
    while (p < end && body.charCodeAt(p) === 32) p++;
    const c0 = body.charCodeAt(p);
    let start = -1;
    let stop = end;
    if (c0 === 35 /* # */) {
      start = p;
      while (start < end && body.charCodeAt(start) === 35) start++;
    } else if (c0 === 42 && body.charCodeAt(p + 1) === 42 /* ** */) {
      start = p + 2;
      const close = body.indexOf('**', start);
      if (close < 0 || close > end) start = -1;
      else stop = close;
    }
    if (start >= 0 && stop - start < 120) {
      // Normalise: letters/digits only, single spaces, so "### Repro steps:" == "## repro  steps".
      let h = NS_HEADING;
      let any = false;
      let space = false;
      for (let k = start; k < stop; k++) {
        const c = body.charCodeAt(k);
        if (isWordChar(c)) {
          if (space && any) h = Math.imul(h ^ 32, FNV_PRIME);
          h = Math.imul(h ^ c, FNV_PRIME);
          any = true;
          space = false;
        } else {
          space = true;
        }
      }
      if (any) {
        s.push(GROUP_HEADINGS, h, mask);
        count++;
      }
    }
    pos = end + 1;
  }
  return count;
}

function countOccurrences(text: string, needle: string, limit: number): number {
  let n = 0;
  let p = text.indexOf(needle);
  while (p >= 0 && n < limit) {
    n++;
    p = text.indexOf(needle, p + needle.length);
  }
  return n;
}

const VERSION_RE = /\bv?\d+\.\d+(?:\.\d+)?/;
const STACK_RE =
  /(?:\n\s*at [\w$.<>]+ ?\(|traceback \(most recent call last\)|exception|error:|\.(?:js|ts|py|cs|cpp|h|java):\d+|segmentation fault|panic)/;

/**
 * Indicator features of the (lower-cased, capped) title and body. `headings` is emitHeadings' count and
 * `titleFirstWord` the tokenizer's hash of the title's first word. `templateMeta` false (featurizer version 3) keeps
 * only the indicators about what the issue says, not how its repo's template lays it out (emitContentMeta).
 */
export function emitMeta(
  s: FeatureCounts,
  title: string,
  body: string,
  headings: number,
  titleFirstWord: number,
  mask: number,
  templateMeta = true,
): void {
  const t = title.trimEnd();
  if (t.length === 0) meta(s, 'title:empty', mask);
  if (t.endsWith('?')) meta(s, 'title:endsq', mask);
  if (t.includes('?')) meta(s, 'title:hasq', mask);
  if (QUESTION_START_HASHES.has(titleFirstWord)) meta(s, 'title:qword', mask);
  if (t.startsWith('[')) meta(s, 'title:bracket', mask);
  // Title length buckets: the repos' title conventions (long templated bug titles), not what the issue says; off
  // with templateMeta false (issue #14: they made short bug reports look like questions on unseen repos).
  if (templateMeta) meta(s, `title:len${bucket(t.length)}`, mask);

  if (body.length === 0) {
    // An empty body is a template convention too (title-only reports are rare in templated repos, so it read as
    // "question"); off with templateMeta false.
    if (templateMeta) meta(s, 'body:empty', mask);
    return;
  }
  if (!templateMeta) {
    emitContentMeta(s, body, mask);
    return;
  }
  meta(s, `body:len${bucket(body.length)}`, mask);
  const fences = countOccurrences(body, '```', 40);
  if (fences > 0) meta(s, 'body:code', mask);
  meta(s, `body:fences${bucket(fences)}`, mask);
  const q = countOccurrences(body, '?', 40);
  meta(s, `body:q${bucket(q)}`, mask);
  if (headings > 0) meta(s, `body:headings${bucket(headings)}`, mask);
  else meta(s, 'body:noheadings', mask);
  if (STACK_RE.test(body)) meta(s, 'body:stack', mask);
  if (VERSION_RE.test(body)) meta(s, 'body:version', mask);
  if (body.includes('http')) meta(s, 'body:link', mask);
  if (body.includes('![')) meta(s, 'body:image', mask);
  if (body.includes('_no response_')) meta(s, 'body:noresponse', mask);
  if (body.includes('- [x]') || body.includes('- [ ]')) meta(s, 'body:checklist', mask);
  if (body.includes('expected') || body.includes('actual')) meta(s, 'body:expected', mask);
  if (body.includes('steps to reproduce') || body.includes('repro')) meta(s, 'body:repro', mask);
  if (body.includes('would be') || body.includes('it would') || body.includes('feature') || body.includes('proposal')) {
    meta(s, 'body:wish', mask);
  }
}

/** The meta indicators about what the body says rather than how its template is laid out (templateMeta: false). */
function emitContentMeta(s: FeatureCounts, body: string, mask: number): void {
  if (body.includes('```')) meta(s, 'body:code', mask);
  if (STACK_RE.test(body)) meta(s, 'body:stack', mask);
  if (VERSION_RE.test(body)) meta(s, 'body:version', mask);
  if (body.includes('http')) meta(s, 'body:link', mask);
  if (body.includes('![')) meta(s, 'body:image', mask);
  if (body.includes('expected') || body.includes('actual')) meta(s, 'body:expected', mask);
  if (body.includes('steps to reproduce') || body.includes('repro')) meta(s, 'body:repro', mask);
  if (body.includes('would be') || body.includes('it would') || body.includes('feature') || body.includes('proposal')) {
    meta(s, 'body:wish', mask);
  }
}

/** Cue-word indicators (featurizer setting cueMeta, lexicon.ts): one per cue kind in the title and in the body. */
export function emitCues(s: FeatureCounts, title: string, body: string, mask: number): void {
  for (const k of cueKinds(title)) meta(s, `title:cue:${k}`, mask);
  for (const k of cueKinds(body)) meta(s, `body:cue:${k}`, mask);
}
