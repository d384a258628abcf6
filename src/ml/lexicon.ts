/**
 * Cue words of issue kinds, for the featurizer setting `cueMeta` (issue #14): one indicator per kind when the
 * title (or body) uses any of its words. The model learns each indicator's weight from the data like any other
 * feature; the list only pools many rare words ("segfault", "freezes", "leaks") into one feature that every repo
 * shares, so a terse report of a repo the model never saw still has a strong, familiar feature.
 * Written from general bug-tracker vocabulary, not from the training repos; applied to lower-cased text.
 */
const CUES: readonly (readonly [name: string, re: RegExp])[] = [
  [
    'bug',
    /\b(?:bugs?|buggy|crash\w*|errors?|erroneous|fail\w*|exceptions?|broken|breaks?|wrong|incorrect\w*|regress\w*|segfault\w*|segmentation|freez\w*|froze\w*|hangs?|hanging|leak\w*|panic\w*|stuck|corrupt\w*|deadlock\w*|race condition|nan|unexpected\w*|ignored|(?:has|have|had) no effect|lost|loses|not work\w*|(?:doesn'?t|does not|don'?t|do not|isn'?t|is not|won'?t|will not|cannot|can'?t) (?:work|load|start|open|run|build|compile|show|display|save)\w*)\b/,
  ],
  [
    'wish',
    /\b(?:add|adding|support(?:s|ing)? for|allow\w*|feature|features|request\w*|option\w*|enable\w*|improv\w*|propos\w*|suggest\w*|ability|would be (?:nice|great|useful|good)|enhance\w*|make it possible|provide)\b/,
  ],
  [
    'ask',
    /(?:^|\b)(?:how (?:do|can|to|does|should)|what (?:is|are|does)|why (?:is|does|do)|is (?:there|it possible)|can (?:i|we|you)|any way|help|question|clarif\w*|confus\w*|understand\w*)\b/,
  ],
];

/** Names of the cue kinds present in `text` (already lower-cased), in a fixed order. */
export function cueKinds(text: string): string[] {
  if (text.length === 0) return [];
  const out: string[] = [];
  for (const [name, re] of CUES) if (re.test(text)) out.push(name);
  return out;
}
