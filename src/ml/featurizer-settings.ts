/**
 * The featurizer's settings: their shape, the defaults, FEATURIZER_VERSION and the validation shared by model
 * loading and the trainer.
 *
 * They live apart from the featurizing code because model.json stores them and model-format.ts checks them on
 * load; that check must not pull in the hashing and tokenising machinery. Any change in featurizer output for the
 * same settings must bump FEATURIZER_VERSION: loading refuses a model trained with a version this build does not
 * read (SUPPORTED_FEATURIZER_VERSIONS). Version 3 only added optional settings; absent, the output is version 2's.
 */

export const FEATURIZER_VERSION = 3;
/** Versions this build loads and scores bit for bit (2: before the optional version-3 fields below). */
export const SUPPORTED_FEATURIZER_VERSIONS: readonly number[] = [2, 3];

export interface FeaturizerSettings {
  /** One of SUPPORTED_FEATURIZER_VERSIONS when a model is loaded; the trainer always writes FEATURIZER_VERSION. */
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
  // --- Version 3 (issue #14, universal model). Absent = false/true as noted: version-2 behaviour, bit for bit. ---
  /** Body word/char groups skip issue-template boilerplate (template-strip.ts); headings/meta still see it. */
  stripTemplate?: boolean;
  /** false: drop the meta indicators that mostly encode a repo's template or conventions (title and body length,
   * fence/heading/`?` counts, `_No response_`, checklists). Absent = true. */
  templateMeta?: boolean;
  /** Body word/char groups see fenced code, URLs and numbers as one token each (template-strip.ts). */
  normalizeBody?: boolean;
  /** Body word/char groups see only the first this-many chars of the (stripped/normalised) body text. */
  maxBodyTextChars?: number;
  /** Indicators for bug / wish / ask cue words in the title and in the body (lexicon.ts). */
  cueMeta?: boolean;
  /**
   * An empty title takes the body's first non-blank line (which leaves the body), the way a reader scans such an
   * issue: "∅ | App crashes on start" reads like the titled report, not like a body-only one.
   */
  titleFromBody?: boolean;
  /**
   * Body lines that are only courtesy ("Thanks!", "Any help appreciated.", "Thanks in advance") leave the body
   * text: they say how someone writes, not what the issue is (template-strip.ts, dropCourtesyLines).
   */
  dropCourtesy?: boolean;
}

/** True when settings use a version-3 field (refused on a version-2 model). */
export function usesVersion3Fields(s: FeaturizerSettings): boolean {
  return (
    s.stripTemplate !== undefined ||
    s.templateMeta !== undefined ||
    s.normalizeBody !== undefined ||
    s.maxBodyTextChars !== undefined ||
    s.cueMeta !== undefined ||
    s.titleFromBody !== undefined ||
    s.dropCourtesy !== undefined
  );
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

/** Settings validation shared by model loading and the trainer. Returns an error message or null. */
export function checkFeaturizerSettings(s: FeaturizerSettings): string | null {
  if (!SUPPORTED_FEATURIZER_VERSIONS.includes(s.version)) {
    return `featurizer version ${s.version} does not match this build's FEATURIZER_VERSION ${FEATURIZER_VERSION} (supported: ${SUPPORTED_FEATURIZER_VERSIONS.join(', ')})`;
  }
  if (s.version < 3 && usesVersion3Fields(s))
    return `featurizer version ${s.version} has no stripTemplate/templateMeta settings (they need version 3)`;
  if (!Number.isInteger(Math.log2(s.dim)) || s.dim < 16 || s.dim > 1 << 24)
    return `featurizer dim ${s.dim} must be a power of two in [16, 2^24]`;
  if (s.charMin < 1 || s.charMax < s.charMin)
    return `featurizer char n-gram range ${s.charMin}-${s.charMax} is invalid`;
  return null;
}

/** The same settings with the title groups' weights multiplied by t (the trainer's CV candidates); t = 1 is a no-op. */
export function scaledTitleSettings(settings: FeaturizerSettings, t: number): FeaturizerSettings {
  if (t === 1) return settings;
  return {
    ...settings,
    weights: {
      ...settings.weights,
      titleWords: settings.weights.titleWords * t,
      titleChars: settings.weights.titleChars * t,
    },
  };
}
