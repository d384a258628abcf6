/**
 * Title-weight candidates without re-featurizing: per-row title-part and rest-part vectors, their Gram matrices,
 * and the Gram matrix of the normalised vectors for any title scale t.
 *
 * featurize() output is (t·title + rest)/‖·‖ where title/rest are the weighted, unnormalised group sums. With Kt,
 * Kr their Gram matrices and Nt, Nr their squared norms, the Gram matrix for title scale t is
 * (t²·Kt + Kr)_ij / sqrt((t²·Nt_i + Nr_i)(t²·Nt_j + Nr_j)), so the internal CV tries each scale for one n×n pass.
 */
import type { LabeledIssue } from './dataset';
import {
  GROUP_BODY_CHARS,
  GROUP_BODY_WORDS,
  GROUP_CODE,
  GROUP_HEADINGS,
  GROUP_META,
  GROUP_TITLE_CHARS,
  GROUP_TITLE_WORDS,
  groupWeights,
} from './feature-groups';
import { featurizeGroups } from './featurizer';
import type { FeaturizerSettings } from './featurizer-settings';
import { gramMatrix } from './kernel-fit';
import { mergeScaled, type SparseVector } from './sparse-vector';

/** Title-part and rest-part Gram matrices (n×n) and squared norms (n). */
export interface TitleParts {
  Kt: Float64Array;
  Kr: Float64Array;
  Nt: Float64Array;
  Nr: Float64Array;
}

const TITLE_GROUPS = [GROUP_TITLE_WORDS, GROUP_TITLE_CHARS];
const REST_GROUPS = [GROUP_BODY_WORDS, GROUP_BODY_CHARS, GROUP_HEADINGS, GROUP_META, GROUP_CODE];

/**
 * Featurizes every row by group and builds the title/rest Gram matrices under the settings' group weights. Rows may
 * be any title/body documents (grouped-cv.ts passes the rows and their training copies).
 */
export function titleRestGrams(
  rows: readonly Pick<LabeledIssue, 'title' | 'body'>[],
  settings: FeaturizerSettings,
): TitleParts {
  const gw = groupWeights(settings.weights);
  const title: SparseVector[] = [];
  const rest: SparseVector[] = [];
  for (const r of rows) {
    const groups = featurizeGroups(r, settings);
    title.push(mergeScaled(TITLE_GROUPS.map((g) => ({ v: groups[g]!, w: gw[g]! }))));
    rest.push(mergeScaled(REST_GROUPS.map((g) => ({ v: groups[g]!, w: gw[g]! }))));
  }
  const sq = (v: SparseVector) => v.values.reduce((a, x) => a + x * x, 0);
  return {
    Kt: gramMatrix(title),
    Kr: gramMatrix(rest),
    Nt: Float64Array.from(title, sq),
    Nr: Float64Array.from(rest, sq),
  };
}

/** Gram matrix of the rows' normalised vectors with title weights × t (no domain copies: see boostDomains). */
export function combineTitleGram(parts: TitleParts, t: number): Float64Array {
  const { Kt, Kr, Nt, Nr } = parts;
  const n = Nt.length;
  const t2 = t * t;
  const inv = Float64Array.from(Nt, (x, i) => {
    const norm = t2 * x + Nr[i]!;
    return norm > 0 ? 1 / Math.sqrt(norm) : 0;
  });
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) K[i * n + j] = (t2 * Kt[i * n + j]! + Kr[i * n + j]!) * inv[i]! * inv[j]!;
  return K;
}
