/**
 * THE featurizer: issue title + body → sparse hashed feature vector.
 *
 * It is the only text-to-features code in the project; training, the Lambda and the worker all call it,
 * so a model trained here scores identically everywhere. Any change in its output must bump
 * FEATURIZER_VERSION, because model.json records the version it was trained with and loading refuses a mismatch.
 *
 * Design (see docs/ml.md):
 * - Namespaces keep title features distinct from body features: the same word hashes differently in each.
 * - Word 1-2 grams and fastText-style char 3-5 grams of each word (with `<`/`>` boundaries).
 * - Markdown headings (issue templates: "### Repro steps", "Describe the feature") become whole-heading features.
 * - Indicator features: code fences, stack traces, version strings, question phrasing, links, template blanks.
 * - Per-group sublinear tf (1 + ln tf), each group L2-normalised and weighted, then the whole vector L2-normalised.
 * - Index 0 is never produced: it is the padding index of the ONNX graph.
 *
 * Speed matters (≥ 5,000 issues/s per core end to end), so the hot loop works on char codes with an integer
 * hash and a reusable scratch buffer instead of regexes, substrings and maps.
 */

export const FEATURIZER_VERSION = 2;

export interface FeaturizerSettings {
  /** Must equal FEATURIZER_VERSION when a model is loaded. */
  version: number;
  /** Hash space size; a power of two. Feature indices are in [1, dim). */
  dim: number;
  /** Text beyond these caps (UTF-16 code units) is ignored: it bounds latency for 1 MB bodies. */
  maxTitleChars: number;
  maxBodyChars: number;
  /** Char n-grams range over each word; words longer than maxWordCharsForNgrams only use their first chars. */
  charMin: number;
  charMax: number;
  /** Body char n-grams only cover the first this-many chars of the body (they dominate featurizing cost). */
  maxBodyCharNgramChars: number;
  maxWordCharsForNgrams: number;
  /** Group weights applied after per-group L2 normalisation. 0 disables a group. */
  weights: {
    titleWords: number;
    titleChars: number;
    bodyWords: number;
    bodyChars: number;
    headings: number;
    meta: number;
    /** Words inside ``` code fences (their own group, no char n-grams); 0 = treat code as ordinary body text. */
    code: number;
  };
  /** Also featurize the title as body text (shared namespace), so a word learnt in bodies counts in titles too. */
  titleInBody: boolean;
}

export const DEFAULT_FEATURIZER_SETTINGS: FeaturizerSettings = {
  version: FEATURIZER_VERSION,
  dim: 1 << 18,
  maxTitleChars: 1_000,
  maxBodyChars: 8_000,
  charMin: 3,
  charMax: 5,
  maxBodyCharNgramChars: 4_000,
  maxWordCharsForNgrams: 24,
  titleInBody: false,
  // Starting point; the trainer picks the title weight (×0.5, ×1, ×2) by internal CV per data set (docs/ml.md).
  weights: { titleWords: 1, titleChars: 1, bodyWords: 1.5, bodyChars: 1, headings: 0.5, meta: 0.5, code: 0 },
};

export interface SparseVector {
  /** Strictly increasing feature indices in [1, dim). */
  indices: Int32Array;
  values: Float32Array;
}

// Namespace seeds: distinct odd constants so the same token lands on unrelated indices per namespace.
const NS_TITLE_WORD = 0x9e3779b1;
const NS_TITLE_BIGRAM = 0x85ebca6b;
const NS_TITLE_CHAR = 0xc2b2ae35;
const NS_BODY_WORD = 0x27d4eb2f;
const NS_BODY_BIGRAM = 0x165667b1;
const NS_BODY_CHAR = 0xd3a2646c;
const NS_HEADING = 0xfd7046c5;
const NS_META = 0xb55a4f09;
const NS_DOTTED = 0x2f6b3a1d;

const GROUP_TITLE_WORDS = 0;
const GROUP_TITLE_CHARS = 1;
const GROUP_BODY_WORDS = 2;
const GROUP_BODY_CHARS = 3;
const GROUP_HEADINGS = 4;
const GROUP_META = 5;
const GROUP_CODE = 6;
const N_GROUPS = 7;
const NS_CODE_WORD = 0x7feb352d;
const NS_CODE_BIGRAM = 0x846ca68b;

const FNV_PRIME = 16777619;

/** Final avalanche (murmur3 fmix32) so low bits are well mixed before masking. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(seed: number, s: string): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Word characters: ASCII letters/digits/underscore, and everything non-ASCII except common punctuation/space. */
function isWordChar(c: number): boolean {
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
  }
  // Latin-1 punctuation/space block and general punctuation/space are separators; letters, CJK, emoji
  // (including unpaired surrogates) are word material that char n-grams then cover.
  if (c <= 0xbf) return false;
  if (c >= 0x2000 && c <= 0x206f) return false;
  if (c >= 0x3000 && c <= 0x3003) return false;
  return c !== 0xfeff;
}

/**
 * Bookkeeping shared by the featurizer's open-addressing tables: slots are cleared lazily with a generation stamp
 * (so a table is reused for every issue without clearing it), `used` lists the occupied slots in insertion order,
 * and the load factor stays under 1/2.
 */
abstract class StampedTable {
  stamp: Int32Array;
  used: Int32Array;
  gen = 0;
  n = 0;

  constructor(size: number) {
    this.stamp = new Int32Array(size);
    this.used = new Int32Array(size / 2);
  }

  reset(): void {
    this.n = 0;
    this.gen++;
    if (this.gen > 0x3fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  /** Takes an empty slot for the current generation; grows the table when it is half full. */
  protected occupy(slot: number): void {
    this.stamp[slot] = this.gen;
    this.used[this.n++] = slot;
    if (this.n * 2 >= this.stamp.length) this.grow();
  }

  /** Doubles the table: `allocate` makes the subclass's new arrays, `move` copies one entry to its new slot. */
  protected rehash(allocate: (size: number) => void, hashAt: (oldSlot: number) => number, move: (oldSlot: number, newSlot: number) => void): void {
    const oldUsed = this.used.subarray(0, this.n);
    const size = this.stamp.length * 2;
    allocate(size);
    this.stamp = new Int32Array(size);
    const used = new Int32Array(size / 2);
    this.gen = 1;
    const tmask = size - 1;
    for (let i = 0; i < oldUsed.length; i++) {
      const o = oldUsed[i]!;
      let slot = fmix(hashAt(o)) & tmask;
      while (this.stamp[slot] === 1) slot = (slot + 1) & tmask;
      this.stamp[slot] = 1;
      move(o, slot);
      used[i] = slot;
    }
    this.used = used;
  }

  protected abstract grow(): void;
}

/**
 * Per-call accumulation: key = index * 8 + group → count. Featurising an issue allocates only its output arrays.
 */
class Scratch extends StampedTable {
  keys: Int32Array = new Int32Array(1 << 14);
  counts: Int32Array = new Int32Array(1 << 14);
  wordBuf: Int32Array = new Int32Array(64);

  constructor() {
    super(1 << 14);
  }

  push(group: number, h: number, mask: number, times = 1): void {
    // Index 0 is reserved for padding: fold it onto 1.
    const key = ((fmix(h) & mask) || 1) * 8 + group;
    const tmask = this.keys.length - 1;
    let slot = fmix(key) & tmask;
    const gen = this.gen;
    for (;;) {
      if (this.stamp[slot] !== gen) {
        this.keys[slot] = key;
        this.counts[slot] = times;
        this.occupy(slot);
        return;
      }
      if (this.keys[slot] === key) {
        this.counts[slot]! += times;
        return;
      }
      slot = (slot + 1) & tmask;
    }
  }

  protected grow(): void {
    const old = { keys: this.keys, counts: this.counts };
    this.rehash(
      (size) => {
        this.keys = new Int32Array(size);
        this.counts = new Int32Array(size);
      },
      (o) => old.keys[o]!,
      (o, slot) => {
        this.keys[slot] = old.keys[o]!;
        this.counts[slot] = old.counts[o]!;
      },
    );
  }
}

const scratch = new Scratch();

/**
 * Distinct words of one text, for char n-grams: a body repeats most of its words, and a word's n-grams depend only
 * on its (capped) characters, so each distinct word is n-grammed once and its n-grams counted `times` over.
 * Entries are compared by their characters, not just by hash, so the counts are exactly those of the per-token
 * loop. Words are stored as (start, length) into the text being featurized.
 */
class WordTable extends StampedTable {
  hashes: Int32Array = new Int32Array(1 << 12);
  starts: Int32Array = new Int32Array(1 << 12);
  /** Capped length; negated when the word was longer than the cap (no closing '>' n-grams). */
  lens: Int32Array = new Int32Array(1 << 12);
  counts: Int32Array = new Int32Array(1 << 12);

  constructor() {
    super(1 << 12);
  }

  add(text: string, hash: number, start: number, len: number): void {
    const tmask = this.hashes.length - 1;
    let slot = fmix(hash) & tmask;
    const gen = this.gen;
    for (;;) {
      if (this.stamp[slot] !== gen) {
        this.hashes[slot] = hash;
        this.starts[slot] = start;
        this.lens[slot] = len;
        this.counts[slot] = 1;
        this.occupy(slot);
        return;
      }
      if (this.hashes[slot] === hash && this.lens[slot] === len && sameChars(text, this.starts[slot]!, start, len < 0 ? -len : len)) {
        this.counts[slot]!++;
        return;
      }
      slot = (slot + 1) & tmask;
    }
  }

  protected grow(): void {
    const old = { hashes: this.hashes, starts: this.starts, lens: this.lens, counts: this.counts };
    this.rehash(
      (size) => {
        this.hashes = new Int32Array(size);
        this.starts = new Int32Array(size);
        this.lens = new Int32Array(size);
        this.counts = new Int32Array(size);
      },
      (o) => old.hashes[o]!,
      (o, slot) => {
        this.hashes[slot] = old.hashes[o]!;
        this.starts[slot] = old.starts[o]!;
        this.lens[slot] = old.lens[o]!;
        this.counts[slot] = old.counts[o]!;
      },
    );
  }
}

function sameChars(text: string, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

const wordTable = new WordTable();

/** fastText-style char n-grams over "<word>" (the boundary markers make prefixes/suffixes distinct), `times` each. */
function emitCharNgrams(
  s: Scratch,
  text: string,
  start: number,
  len: number,
  times: number,
  nsChar: number,
  groupChars: number,
  charMin: number,
  charMax: number,
  mask: number,
): void {
  const cl = len < 0 ? -len : len;
  if (s.wordBuf.length < cl + 2) s.wordBuf = new Int32Array(Math.max(s.wordBuf.length * 2, cl + 2));
  const buf = s.wordBuf;
  buf[0] = 60; // '<'
  for (let k = 0; k < cl; k++) buf[k + 1] = text.charCodeAt(start + k);
  let total = cl + 1;
  if (len >= 0) buf[total++] = 62; // '>' only when the word is complete
  for (let from = 0; from + charMin <= total; from++) {
    let h = nsChar;
    const end = Math.min(total, from + charMax);
    for (let k = from; k < end; k++) {
      h = Math.imul(h ^ buf[k]!, FNV_PRIME);
      if (k - from + 1 >= charMin) s.push(groupChars, h, mask, times);
    }
  }
}

const QUESTION_STARTS = [
  'how', 'what', 'why', 'is', 'are', 'can', 'could', 'does', 'do', 'should', 'where', 'which', 'when', 'who',
  'will', 'would', 'any', 'help', 'question',
];
const QUESTION_START_HASHES = new Set(QUESTION_STARTS.map((w) => hashString(NS_TITLE_WORD, w)));

/**
 * Tokenises `text` (already lower-cased and capped) into words; emits word unigrams, bigrams and char n-grams.
 * Returns the number of words and the hash of the first word (for question phrasing).
 */
function emitText(
  s: Scratch,
  text: string,
  nsWord: number,
  nsBigram: number,
  nsChar: number,
  groupWords: number,
  groupChars: number,
  settings: FeaturizerSettings,
  mask: number,
): number {
  const { charMin, charMax, maxWordCharsForNgrams } = settings;
  const isTitle = groupChars === GROUP_TITLE_CHARS;
  const emitChars = isTitle ? settings.weights.titleChars > 0 : settings.weights.bodyChars > 0;
  const charLimit = isTitle ? Infinity : settings.maxBodyCharNgramChars;
  let prevWordHash = 0;
  // Dotted names ("system.net.http.httpclient", "2.3.1"): every prefix of ≥ 2 parts is a feature too,
  // because namespaces and versions are strong signals that word splitting alone would lose.
  let chainHash = 0;
  let chainLen = 0;
  let prevEnd = -2;
  let havePrev = false;
  let firstWordHash = 0;
  let words = 0;
  wordTable.reset();
  const len = text.length;
  let i = 0;
  while (i < len) {
    let c = text.charCodeAt(i);
    if (!isWordChar(c)) {
      // Punctuation breaks bigram chains only at sentence-ish boundaries; keep it simple: any newline or . ! ?
      if (c === 10 || c === 46 || c === 33 || c === 63) havePrev = false;
      i++;
      continue;
    }
    const wordStart = i;
    let wl = 0;
    let wh = nsWord;
    // Hash of the chars that n-grams see (the first maxWordCharsForNgrams): the word's identity in wordTable.
    let capped = 0x811c9dc5;
    while (i < len) {
      c = text.charCodeAt(i);
      if (!isWordChar(c)) break;
      wh = Math.imul(wh ^ c, FNV_PRIME);
      if (wl < maxWordCharsForNgrams) capped = Math.imul(capped ^ c, FNV_PRIME);
      wl++;
      i++;
    }
    if (prevEnd === wordStart - 1 && text.charCodeAt(prevEnd) === 46 /* . */ && chainLen > 0) {
      chainHash = Math.imul(chainHash ^ wh, FNV_PRIME);
      chainLen++;
      s.push(groupWords, chainHash ^ NS_DOTTED ^ nsWord, mask);
    } else {
      chainHash = wh;
      chainLen = 1;
    }
    prevEnd = i;
    if (words === 0) firstWordHash = wh;
    words++;
    s.push(groupWords, wh, mask);
    if (havePrev) s.push(groupWords, Math.imul(prevWordHash ^ nsBigram, 0x5bd1e995) ^ wh, mask);
    prevWordHash = wh;
    havePrev = true;

    if (emitChars && i <= charLimit) {
      // A word longer than the cap contributes no closing '>' n-grams, so it is a different entry.
      const cl = Math.min(wl, maxWordCharsForNgrams);
      wordTable.add(text, capped, wordStart, wl <= maxWordCharsForNgrams ? cl : -cl);
    }
  }
  for (let u = 0; u < wordTable.n; u++) {
    const slot = wordTable.used[u]!;
    emitCharNgrams(s, text, wordTable.starts[slot]!, wordTable.lens[slot]!, wordTable.counts[slot]!, nsChar, groupChars, charMin, charMax, mask);
  }
  return words === 0 ? 0 : firstWordHash;
}

/**
 * Prose and fenced code carry different signals (a stack trace vs. "how do I"): code words go to their own
 * group, without char n-grams (which also keeps long logs cheap). Fences are found with indexOf only.
 */
function emitBodyWithCode(s: Scratch, body: string, settings: FeaturizerSettings, mask: number): void {
  let pos = 0;
  let prose = '';
  let code = '';
  while (pos < body.length) {
    const open = body.indexOf('```', pos);
    if (open < 0) {
      prose += body.slice(pos);
      break;
    }
    prose += body.slice(pos, open) + '\n';
    const close = body.indexOf('```', open + 3);
    const end = close < 0 ? body.length : close;
    code += body.slice(open + 3, end) + '\n';
    pos = close < 0 ? body.length : close + 3;
  }
  emitText(s, prose, NS_BODY_WORD, NS_BODY_BIGRAM, NS_BODY_CHAR, GROUP_BODY_WORDS, GROUP_BODY_CHARS, settings, mask);
  if (code.length > 0) {
    const noChars = { ...settings, weights: { ...settings.weights, bodyChars: 0 } };
    emitText(s, code, NS_CODE_WORD, NS_CODE_BIGRAM, NS_BODY_CHAR, GROUP_CODE, GROUP_BODY_CHARS, noChars, mask);
  }
}

function meta(s: Scratch, name: string, mask: number): void {
  s.push(GROUP_META, hashString(NS_META, name), mask);
}

function bucket(n: number): number {
  return n <= 0 ? 0 : Math.min(12, 1 + Math.floor(Math.log2(n)));
}

/** Markdown headings and bold-only lines, the skeleton of issue templates. Scans line starts only. */
function emitHeadings(s: Scratch, body: string, mask: number): number {
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
const STACK_RE = /(?:\n\s*at [\w$.<>]+ ?\(|traceback \(most recent call last\)|exception|error:|\.(?:js|ts|py|cs|cpp|h|java):\d+|segmentation fault|panic)/;

function emitMeta(s: Scratch, title: string, body: string, headings: number, titleFirstWord: number, mask: number): void {
  const t = title.trimEnd();
  if (t.length === 0) meta(s, 'title:empty', mask);
  if (t.endsWith('?')) meta(s, 'title:endsq', mask);
  if (t.includes('?')) meta(s, 'title:hasq', mask);
  if (QUESTION_START_HASHES.has(titleFirstWord)) meta(s, 'title:qword', mask);
  if (t.startsWith('[')) meta(s, 'title:bracket', mask);
  meta(s, `title:len${bucket(t.length)}`, mask);

  if (body.length === 0) {
    meta(s, 'body:empty', mask);
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

function asText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Featurises one issue. Never throws on odd input: null/undefined/non-string fields count as empty,
 * text is capped, lone surrogates and binary junk are just more char codes to hash.
 */
function collect(
  issue: { title?: unknown; body?: unknown },
  settings: FeaturizerSettings = DEFAULT_FEATURIZER_SETTINGS,
): void {
  const mask = settings.dim - 1;
  const s = scratch;
  s.reset();
  const title = asText(issue.title).slice(0, settings.maxTitleChars).toLowerCase();
  const body = asText(issue.body).slice(0, settings.maxBodyChars).toLowerCase();

  const w = settings.weights;
  const titleFirst = emitText(s, title, NS_TITLE_WORD, NS_TITLE_BIGRAM, NS_TITLE_CHAR, GROUP_TITLE_WORDS, GROUP_TITLE_CHARS, settings, mask);
  if (settings.titleInBody && (w.bodyWords > 0 || w.bodyChars > 0)) {
    emitText(s, title, NS_BODY_WORD, NS_BODY_BIGRAM, NS_BODY_CHAR, GROUP_BODY_WORDS, GROUP_BODY_CHARS, settings, mask);
  }
  if (w.bodyWords > 0 || w.bodyChars > 0) {
    if (w.code > 0) emitBodyWithCode(s, body, settings, mask);
    else emitText(s, body, NS_BODY_WORD, NS_BODY_BIGRAM, NS_BODY_CHAR, GROUP_BODY_WORDS, GROUP_BODY_CHARS, settings, mask);
  }
  const headings = emitHeadings(s, body, mask);
  emitMeta(s, title, body, headings, titleFirst, mask);

}

/** Sublinear tf, per-group L2 and weights, merge groups sharing an index, sort by index, L2. */
export function featurize(
  issue: { title?: unknown; body?: unknown },
  settings: FeaturizerSettings = DEFAULT_FEATURIZER_SETTINGS,
): SparseVector {
  collect(issue, settings);
  return finish(scratch, settings);
}

/** Group names, in the order featurizeGroups returns them. */
export const FEATURE_GROUPS = ['titleWords', 'titleChars', 'bodyWords', 'bodyChars', 'headings', 'meta', 'code'] as const;

/**
 * The same features split by group, each group unit-normalised and unweighted (empty when absent).
 * The trainer combines per-group Gram matrices to choose group weights by CV without re-featurizing:
 * featurize() with weights w equals Σ_g w_g·group_g / ‖·‖ (up to rare cross-group hash collisions).
 */
export function featurizeGroups(issue: { title?: unknown; body?: unknown }, settings: FeaturizerSettings = DEFAULT_FEATURIZER_SETTINGS): SparseVector[] {
  collect(issue, settings);
  const s = scratch;
  const out: SparseVector[] = [];
  for (let g = 0; g < N_GROUPS; g++) {
    const keys: number[] = [];
    const counts = new Map<number, number>();
    for (let i = 0; i < s.n; i++) {
      const slot = s.used[i]!;
      const key = s.keys[slot]!;
      if ((key & 7) !== g) continue;
      keys.push(key >>> 3);
      counts.set(key >>> 3, s.counts[slot]!);
    }
    keys.sort((x, y) => x - y);
    const values = new Float32Array(keys.length);
    let sq = 0;
    keys.forEach((k, i) => {
      const t = 1 + Math.log(counts.get(k)!);
      values[i] = t;
      sq += t * t;
    });
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let i = 0; i < values.length; i++) values[i]! *= inv;
    out.push({ indices: Int32Array.from(keys), values });
  }
  return out;
}

/** 1 + ln(tf) for the small counts nearly every feature has; the same doubles Math.log gives, without the call. */
const SUBLINEAR_TF = Float64Array.from({ length: 256 }, (_, c) => 1 + Math.log(c));

function finish(s: Scratch, settings: FeaturizerSettings): SparseVector {
  const n = s.n;
  const w = settings.weights;
  const groupWeight = [w.titleWords, w.titleChars, w.bodyWords, w.bodyChars, w.headings, w.meta, w.code];
  const sq = new Float64Array(N_GROUPS);
  const buf = sortBuffers(n);
  const keyList = buf.keysA;
  const tf = buf.valsA;
  for (let i = 0; i < n; i++) {
    const slot = s.used[i]!;
    const c = s.counts[slot]!;
    const t = c < SUBLINEAR_TF.length ? SUBLINEAR_TF[c]! : 1 + Math.log(c);
    tf[i] = t;
    const key = s.keys[slot]!;
    keyList[i] = key;
    sq[key & 7]! += t * t;
  }
  const scale = new Float64Array(N_GROUPS);
  for (let g = 0; g < N_GROUPS; g++) scale[g] = sq[g]! > 0 ? groupWeight[g]! / Math.sqrt(sq[g]!) : 0;
  for (let i = 0; i < n; i++) tf[i] = tf[i]! * scale[keyList[i]! & 7]!;
  return finishPairs(buf, n, settings.dim);
}

/**
 * Reusable sort buffers. A profile showed TypedArray#sort plus a per-key binary search taking two thirds of
 * featurizing time; an LSD radix sort over (key, value) pairs does the same job in a few linear passes.
 */
interface SortBuffers {
  keysA: Int32Array;
  valsA: Float64Array;
  keysB: Int32Array;
  valsB: Float64Array;
  counts: Int32Array;
}

const RADIX_BITS = 7;
const RADIX = 1 << RADIX_BITS;
let sortBuf: SortBuffers = allocSortBuffers(1 << 12);

function allocSortBuffers(size: number): SortBuffers {
  return {
    keysA: new Int32Array(size),
    valsA: new Float64Array(size),
    keysB: new Int32Array(size),
    valsB: new Float64Array(size),
    counts: new Int32Array(RADIX),
  };
}

function sortBuffers(n: number): SortBuffers {
  if (sortBuf.keysA.length < n) {
    let size = sortBuf.keysA.length;
    while (size < n) size *= 2;
    sortBuf = allocSortBuffers(size);
  }
  return sortBuf;
}

/** Sorts (key, value) pairs by key (keys are unique and < dim * 8), merges groups sharing an index, L2-normalises. */
function finishPairs(buf: SortBuffers, n: number, dim: number): SparseVector {
  let keys = buf.keysA;
  let vals = buf.valsA;
  let keysOut = buf.keysB;
  let valsOut = buf.valsB;
  const counts = buf.counts;
  const keyBits = Math.ceil(Math.log2(dim)) + 3;
  for (let shift = 0; shift < keyBits; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & (RADIX - 1)]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const at = counts[(k >>> shift) & (RADIX - 1)]!++;
      keysOut[at] = k;
      valsOut[at] = vals[i]!;
    }
    [keys, keysOut] = [keysOut, keys];
    [vals, valsOut] = [valsOut, vals];
  }
  // Merge in place: keys are sorted by index, then group, so equal indices are adjacent.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const index = keys[i]! >>> 3;
    const v = vals[i]!;
    if (v === 0) continue;
    if (m > 0 && keysOut[m - 1] === index) valsOut[m - 1]! += v;
    else {
      keysOut[m] = index;
      valsOut[m] = v;
      m++;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i++) total += valsOut[i]! * valsOut[i]!;
  const norm = total > 0 ? 1 / Math.sqrt(total) : 0;
  const outVal = new Float32Array(m);
  for (let i = 0; i < m; i++) outVal[i] = valsOut[i]! * norm;
  return { indices: keysOut.slice(0, m), values: outVal };
}

/** Settings validation shared by model loading and the trainer. Returns an error message or null. */
export function checkFeaturizerSettings(s: FeaturizerSettings): string | null {
  if (s.version !== FEATURIZER_VERSION) {
    return `featurizer version ${s.version} does not match this build's FEATURIZER_VERSION ${FEATURIZER_VERSION}`;
  }
  if (!Number.isInteger(Math.log2(s.dim)) || s.dim < 16 || s.dim > 1 << 24) return `featurizer dim ${s.dim} must be a power of two in [16, 2^24]`;
  if (s.charMin < 1 || s.charMax < s.charMin) return `featurizer char n-gram range ${s.charMin}-${s.charMax} is invalid`;
  return null;
}
