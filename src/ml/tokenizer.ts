/**
 * Text → word features: tokenises lower-cased, capped text into words and emits word unigrams, bigrams,
 * dotted-name prefixes and fastText-style char n-grams into a FeatureCounts table.
 *
 * Speed matters (≥ 5,000 issues/s per core end to end), so the loop works on char codes with an integer hash and
 * reusable tables instead of regexes, substrings and maps; each distinct word is n-grammed once per text.
 */
import type { FeatureCounts } from './feature-counts';
import {
  GROUP_BODY_CHARS,
  GROUP_BODY_WORDS,
  GROUP_CODE,
  GROUP_TITLE_CHARS,
  NS_BODY_BIGRAM,
  NS_BODY_CHAR,
  NS_BODY_WORD,
  NS_CODE_BIGRAM,
  NS_CODE_WORD,
  NS_DOTTED,
} from './feature-groups';
import type { FeaturizerSettings } from './featurizer-settings';
import { fmix, FNV_OFFSET, FNV_PRIME } from './hashing';
import { StampedTable } from './stamped-table';

/** Word characters: ASCII letters/digits/underscore, and everything non-ASCII except common punctuation/space. */
export function isWordChar(c: number): boolean {
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
      if (
        this.hashes[slot] === hash &&
        this.lens[slot] === len &&
        sameChars(text, this.starts[slot]!, start, len < 0 ? -len : len)
      ) {
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
  s: FeatureCounts,
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

/**
 * Tokenises `text` (already lower-cased and capped) into words; emits word unigrams, bigrams and char n-grams.
 * Returns the hash of the first word (0 when there is none), for question phrasing.
 */
export function emitText(
  s: FeatureCounts,
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
    let capped = FNV_OFFSET;
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
    emitCharNgrams(
      s,
      text,
      wordTable.starts[slot]!,
      wordTable.lens[slot]!,
      wordTable.counts[slot]!,
      nsChar,
      groupChars,
      charMin,
      charMax,
      mask,
    );
  }
  return words === 0 ? 0 : firstWordHash;
}

/** Body text as ordinary body words and char n-grams. */
export function emitBody(s: FeatureCounts, body: string, settings: FeaturizerSettings, mask: number): void {
  emitText(s, body, NS_BODY_WORD, NS_BODY_BIGRAM, NS_BODY_CHAR, GROUP_BODY_WORDS, GROUP_BODY_CHARS, settings, mask);
}

/**
 * Prose and fenced code carry different signals (a stack trace vs. "how do I"): code words go to their own
 * group, without char n-grams (which also keeps long logs cheap). Fences are found with indexOf only.
 */
export function emitBodyWithCode(s: FeatureCounts, body: string, settings: FeaturizerSettings, mask: number): void {
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
  emitBody(s, prose, settings, mask);
  if (code.length > 0) {
    const noChars = { ...settings, weights: { ...settings.weights, bodyChars: 0 } };
    emitText(s, code, NS_CODE_WORD, NS_CODE_BIGRAM, NS_BODY_CHAR, GROUP_CODE, GROUP_BODY_CHARS, noChars, mask);
  }
}
