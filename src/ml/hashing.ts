/**
 * Integer hashing of char codes: FNV-1a steps and the murmur3 finaliser.
 *
 * Kept apart from tokenising (as Vowpal Wabbit keeps hashing apart from parsing) because every feature kind —
 * words, char n-grams, headings, indicators — and the featurizer's hash tables use these same few functions; a
 * change here changes every feature index, so it must bump FEATURIZER_VERSION.
 */

export const FNV_PRIME = 16777619;
/** FNV-1a offset basis (used for the identity hash of a word's capped chars). */
export const FNV_OFFSET = 0x811c9dc5;

/** Final avalanche (murmur3 fmix32) so low bits are well mixed before masking. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV hash of a whole string from `seed` (a namespace), for fixed names such as indicator features. */
export function hashString(seed: number, s: string): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}
