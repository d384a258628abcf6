/**
 * THE featurizer: issue title + body → sparse hashed feature vector. This file only composes the parts.
 *
 * It is the only text-to-features code in the project; training, the Lambda and the worker all call it,
 * so a model trained here scores identically everywhere. Any change in its output must bump
 * FEATURIZER_VERSION, because model.json records the version it was trained with and loading refuses a version
 * this build does not read.
 *
 * The parts, one job each (see docs/ml.md):
 * - featurizer-settings.ts: settings, defaults, FEATURIZER_VERSION, validation;
 * - hashing.ts: integer hashing of char codes; feature-groups.ts: groups and hash namespaces;
 * - tokenizer.ts: word 1-2 grams, dotted-name prefixes and fastText-style char n-grams, title and body kept in
 *   distinct namespaces;
 * - issue-structure.ts: markdown headings and indicators (code fences, stack traces, question phrasing, cue words, …);
 * - template-strip.ts (version-3 settings): issue-template boilerplate removal and body normalisation;
 * - feature-counts.ts: the per-issue count table (index 0 is never produced: it is ONNX's padding index);
 * - sparse-vector.ts: per-group sublinear tf, L2 and weights, sort, merge, final L2.
 */
import { FeatureCounts } from './feature-counts';
import {
  GROUP_BODY_CHARS,
  GROUP_BODY_WORDS,
  GROUP_TITLE_CHARS,
  GROUP_TITLE_WORDS,
  groupWeights,
  N_GROUPS,
  NS_BODY_BIGRAM,
  NS_BODY_CHAR,
  NS_BODY_WORD,
  NS_TITLE_BIGRAM,
  NS_TITLE_CHAR,
  NS_TITLE_WORD,
} from './feature-groups';
import { DEFAULT_FEATURIZER_SETTINGS, type FeaturizerSettings } from './featurizer-settings';
import { emitCues, emitHeadings, emitMeta } from './issue-structure';
import { groupVectors, weightedVector, type SparseVector } from './sparse-vector';
import { dropCourtesyLines, normalizeBodyText, stripTemplateBoilerplate, titleOrFirstLine } from './template-strip';
import { emitBody, emitBodyWithCode, emitText } from './tokenizer';

export {
  checkFeaturizerSettings,
  DEFAULT_FEATURIZER_SETTINGS,
  FEATURIZER_VERSION,
  SUPPORTED_FEATURIZER_VERSIONS,
  type FeaturizerSettings,
} from './featurizer-settings';
export { FEATURE_GROUPS } from './feature-groups';
export type { SparseVector } from './sparse-vector';

/** One table reused for every issue (featurizing is synchronous, so calls never interleave). */
const counts = new FeatureCounts();

function asText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Counts one issue's features into `counts`. Never throws on odd input: null/undefined/non-string fields count as
 * empty, text is capped, lone surrogates and binary junk are just more char codes to hash.
 */
function collect(issue: { title?: unknown; body?: unknown }, settings: FeaturizerSettings): FeatureCounts {
  const mask = settings.dim - 1;
  const s = counts;
  s.reset();
  let title = asText(issue.title).slice(0, settings.maxTitleChars).toLowerCase();
  let body = asText(issue.body).slice(0, settings.maxBodyChars).toLowerCase();
  // Version-3 reading rules (universal model): how an issue is written should not decide what it is.
  if (settings.titleFromBody) {
    ({ title, body } = titleOrFirstLine(title, body));
    title = title.slice(0, settings.maxTitleChars);
  }
  if (settings.dropCourtesy) body = dropCourtesyLines(body);

  const w = settings.weights;
  const titleFirst = emitText(
    s,
    title,
    NS_TITLE_WORD,
    NS_TITLE_BIGRAM,
    NS_TITLE_CHAR,
    GROUP_TITLE_WORDS,
    GROUP_TITLE_CHARS,
    settings,
    mask,
  );
  if (settings.titleInBody && (w.bodyWords > 0 || w.bodyChars > 0)) {
    emitText(s, title, NS_BODY_WORD, NS_BODY_BIGRAM, NS_BODY_CHAR, GROUP_BODY_WORDS, GROUP_BODY_CHARS, settings, mask);
  }
  // Version-3 settings (universal model): body text without template boilerplate for the word/char groups and cues.
  const stripped = settings.stripTemplate ? stripTemplateBoilerplate(body) : body;
  if (w.bodyWords > 0 || w.bodyChars > 0) {
    let text = stripped;
    if (settings.normalizeBody) text = normalizeBodyText(text);
    if (settings.maxBodyTextChars !== undefined && text.length > settings.maxBodyTextChars)
      text = text.slice(0, settings.maxBodyTextChars);
    if (w.code > 0) emitBodyWithCode(s, text, settings, mask);
    else emitBody(s, text, settings, mask);
  }
  const headings = emitHeadings(s, body, mask);
  emitMeta(s, title, body, headings, titleFirst, mask, settings.templateMeta ?? true);
  if (settings.cueMeta) emitCues(s, title, stripped, mask);
  return s;
}

/** Featurises one issue: the vector the model is trained on and scores. */
export function featurize(
  issue: { title?: unknown; body?: unknown },
  settings: FeaturizerSettings = DEFAULT_FEATURIZER_SETTINGS,
): SparseVector {
  return weightedVector(collect(issue, settings), groupWeights(settings.weights), settings.dim);
}

/**
 * The same features split by group (FEATURE_GROUPS order), each group unit-normalised and unweighted (empty when
 * absent). The trainer combines per-group Gram matrices to choose group weights by CV without re-featurizing:
 * featurize() with weights w equals Σ_g w_g·group_g / ‖·‖ (up to rare cross-group hash collisions).
 */
export function featurizeGroups(
  issue: { title?: unknown; body?: unknown },
  settings: FeaturizerSettings = DEFAULT_FEATURIZER_SETTINGS,
): SparseVector[] {
  return groupVectors(collect(issue, settings), N_GROUPS);
}
