/**
 * The featurizer's feature groups and hash namespaces.
 *
 * A group (title words, body char n-grams, headings, …) is normalised and weighted on its own; a namespace seeds the
 * hash so the same token lands on unrelated indices in, say, the title and the body. Both are shared by the
 * tokenizer, the issue-structure features and the vector builder, so they are defined once here. Changing a value
 * changes feature indices: bump FEATURIZER_VERSION.
 */
import type { FeaturizerSettings } from './featurizer-settings';

// Namespace seeds: distinct odd constants so the same token lands on unrelated indices per namespace.
export const NS_TITLE_WORD = 0x9e3779b1;
export const NS_TITLE_BIGRAM = 0x85ebca6b;
export const NS_TITLE_CHAR = 0xc2b2ae35;
export const NS_BODY_WORD = 0x27d4eb2f;
export const NS_BODY_BIGRAM = 0x165667b1;
export const NS_BODY_CHAR = 0xd3a2646c;
export const NS_HEADING = 0xfd7046c5;
export const NS_META = 0xb55a4f09;
export const NS_DOTTED = 0x2f6b3a1d;
export const NS_CODE_WORD = 0x7feb352d;
export const NS_CODE_BIGRAM = 0x846ca68b;

// Group ids, in FEATURE_GROUPS order. A feature key is index * 8 + group, so there can be at most 8 groups.
export const GROUP_TITLE_WORDS = 0;
export const GROUP_TITLE_CHARS = 1;
export const GROUP_BODY_WORDS = 2;
export const GROUP_BODY_CHARS = 3;
export const GROUP_HEADINGS = 4;
export const GROUP_META = 5;
export const GROUP_CODE = 6;
export const N_GROUPS = 7;

/** Group names, in the order featurizeGroups returns them. */
export const FEATURE_GROUPS = [
  'titleWords',
  'titleChars',
  'bodyWords',
  'bodyChars',
  'headings',
  'meta',
  'code',
] as const;

/** The settings' group weights as an array indexed by group id. */
export function groupWeights(w: FeaturizerSettings['weights']): number[] {
  return [w.titleWords, w.titleChars, w.bodyWords, w.bodyChars, w.headings, w.meta, w.code];
}
