/**
 * What `label-bot retrain` trains on: the labels as humans left them. Pure (the label events are read elsewhere), so
 * the rule is tested on fixtures. docs/ops.md's retrain section states the same rule; keep the two in step.
 *
 * Per issue and label:
 * - **positive**: on the issue now, and a human stands behind it: a human applied it last, it was there before any
 *   recorded event (set at creation / before the timeline), or the bot applied it and a human changed the issue's
 *   labels afterwards and left it on (they saw it and kept it);
 * - **negative**: not on the issue now, and a human removed it (a bot label a human removed says "not this");
 * - **unconfirmed**: on the issue now, last applied by a bot (ours or another), and no human touched the labels since.
 *
 * Unconfirmed labels are never evidence, old issues or new. Counting them would train the model on its own output:
 * its mistakes that nobody corrected would be learnt as truth, and the newest-issues holdout would reward agreeing
 * with the current model instead of with the maintainers, which defeats the guard. A label that merely survived is
 * weak evidence (many maintainers never look back); a human's label edit on the same issue is the confirmation.
 */
import { isHuman, type IsBot, type LabelEvent } from './live-precision';

export interface LabelTruth {
  positives: string[];
  negatives: string[];
  unconfirmed: string[];
}

/** Events in time order; equal timestamps keep the API's order (GitHub lists them chronologically). */
function chronological(events: readonly LabelEvent[]): LabelEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.i - b.i))
    .map((x) => x.e);
}

export function labelTruth(current: readonly string[], events: readonly LabelEvent[], isBot: IsBot): LabelTruth {
  const ordered = chronological(events);
  const key = (l: string) => l.toLowerCase();
  const now = new Set(current.map(key));
  const positives: string[] = [];
  const unconfirmed: string[] = [];
  for (const label of current) {
    let last = -1;
    ordered.forEach((e, i) => {
      if (e.kind === 'labeled' && key(e.label) === key(label)) last = i;
    });
    const applier = last < 0 ? null : ordered[last]!;
    const byHuman = applier === null || isHuman(applier.actor, isBot);
    const reviewed = !byHuman && ordered.slice(last + 1).some((e) => isHuman(e.actor, isBot));
    (byHuman || reviewed ? positives : unconfirmed).push(label);
  }
  const negatives = new Map<string, string>();
  for (const e of ordered) {
    if (e.kind === 'unlabeled' && !now.has(key(e.label)) && isHuman(e.actor, isBot))
      negatives.set(key(e.label), e.label);
  }
  return { positives, negatives: [...negatives.values()], unconfirmed };
}

export interface MappedTruth extends LabelTruth {
  /** The row to train on (the model's own label names), or why there is none. */
  use: { labels: string[] } | { skip: 'unconfirmed-only' | 'negative-only' | 'no-model-label' | 'several-labels' };
}

/**
 * The truth in the current model's label set (GitHub label names are case-insensitive). A single-label model cannot
 * learn from an issue with two positive labels, so such an issue is left out rather than forcing a kind change.
 */
export function mapTruth(truth: LabelTruth, modelLabels: readonly string[], kind: 'single' | 'multi'): MappedTruth {
  const byKey = new Map(modelLabels.map((l) => [l.toLowerCase(), l]));
  const onto = (ls: string[]) => [...new Set(ls.map((l) => byKey.get(l.toLowerCase())).filter((l) => l !== undefined))];
  const mapped = {
    positives: onto(truth.positives),
    negatives: onto(truth.negatives),
    unconfirmed: onto(truth.unconfirmed),
  };
  let use: MappedTruth['use'];
  if (mapped.positives.length > 1 && kind === 'single') use = { skip: 'several-labels' };
  else if (mapped.positives.length > 0) use = { labels: mapped.positives.sort() };
  else if (mapped.unconfirmed.length > 0) use = { skip: 'unconfirmed-only' };
  else if (mapped.negatives.length > 0) use = { skip: 'negative-only' };
  else use = { skip: 'no-model-label' };
  return { ...mapped, use };
}
