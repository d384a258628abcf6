import type { Prediction } from '../ml/types';
import type { IssueState } from './issue-state';

/** From a prediction and the live issue to the labels and comment the bot stands behind. Pure. */
export interface ChosenLabel {
  /** The label as applied to the repo (after `label-alias`). */
  label: string;
  /** The model's own label name. */
  modelLabel: string;
  score: number;
  threshold: number;
}

export type DecisionAction = 'label' | 'not-confident' | 'skip';

export interface LabelDecision {
  action: DecisionAction;
  /** Why: `labels`, `skip-if-labeled`, `no-label-cleared-threshold`, `only-human-removed`. */
  reason: string;
  /** Labels the bot stands behind (aliased, allowed, above threshold, not human-removed); rendered in the comment. */
  chosen: ChosenLabel[];
  /** Subset of `chosen` missing on the issue: what a POST would add. */
  toAdd: string[];
  /** Cleared the threshold but a human removed it earlier. */
  suppressed: string[];
  /** What the comment should say: the label table, the "not confident" note, or nothing at all. */
  comment: 'labels' | 'not-confident' | 'none';
}

export interface DecideOptions {
  /** Overrides the repo's `min-confidence` (e.g. a stricter backfill). */
  minConfidence?: number;
}

/** Pure: same state + same prediction ⇒ same decision, whatever the delivery order or count. */
export function decideLabels(state: IssueState, prediction: Prediction, opts: DecideOptions = {}): LabelDecision {
  const cfg = state.repoConfig;
  const floor = opts.minConfidence ?? cfg.minConfidence;

  if (cfg.skipIfLabeled) {
    // Labels the bots put there do not count, so a redelivery after our own labeling still renders the same decision.
    const humanLabels = state.labels.filter((l) => !state.botApplied.has(l));
    if (humanLabels.length > 0) {
      return { action: 'skip', reason: 'skip-if-labeled', chosen: [], toAdd: [], suppressed: [], comment: 'none' };
    }
  }

  const allow = cfg.predictedLabels ? new Set(cfg.predictedLabels) : null;
  // The model decides which labels are candidates (a single-label model offers only its top label); the repo's
  // settings can only narrow that down, never promote a runner-up that happens to clear its own threshold.
  const offered = new Set(prediction.labels);
  const byLabel = new Map<string, ChosenLabel>();
  for (const s of prediction.scores) {
    if (s.threshold === null || !offered.has(s.label)) continue;
    const label = cfg.labelAlias[s.label] ?? s.label;
    if (allow && !allow.has(label) && !allow.has(s.label)) continue;
    const perLabel = cfg.labelMinConfidence[label] ?? cfg.labelMinConfidence[s.label] ?? 0;
    const threshold = Math.max(s.threshold, floor, perLabel);
    if (!(s.score >= threshold)) continue;
    const prev = byLabel.get(label);
    if (!prev || s.score > prev.score) byLabel.set(label, { label, modelLabel: s.label, score: s.score, threshold });
  }
  const cleared = [...byLabel.values()].sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  const suppressed = cleared.filter((c) => state.humanRemoved.has(c.label)).map((c) => c.label);
  const chosen = cleared.filter((c) => !state.humanRemoved.has(c.label));
  const present = new Set(state.labels);
  const toAdd = chosen.filter((c) => !present.has(c.label)).map((c) => c.label);

  if (chosen.length === 0) {
    const reason = suppressed.length > 0 ? 'only-human-removed' : 'no-label-cleared-threshold';
    // A human removing our label is an answer, not a lack of confidence: no "not confident" note then.
    const comment = suppressed.length === 0 && cfg.notConfidentComment && cfg.comment ? 'not-confident' : 'none';
    return { action: suppressed.length > 0 ? 'skip' : 'not-confident', reason, chosen, toAdd, suppressed, comment };
  }
  return { action: 'label', reason: 'labels', chosen, toAdd, suppressed, comment: cfg.comment ? 'labels' : 'none' };
}
