import type { IssueState } from './issue-state';
import type { LabelDecision } from './label-decision';

/**
 * Racing deliveries in separate processes (two Lambda instances, two worker pods) share nothing but GitHub, and GitHub
 * offers no compare-and-set on the calls a labeling makes: adding a label that is already there succeeds silently
 * (REST and `addLabelsToLabelable` alike, with nothing in the answer to say whether this call added it, and one
 * LabeledEvent by the same bot account whoever did), and `addComment` always creates. So two racers whose reads both
 * come back before either writes are indistinguishable from a lone delivery, and each must create the comment in its
 * one write, or the lone delivery (the common case) would need a third call. Those converge afterwards (the comment
 * mutation's payload lists the racers' comments; the oldest is kept, apply-decision.ts).
 *
 * What a read CAN see is a racer between its two writes: the labels this decision stands behind were just added by a
 * bot, and no bot comment exists yet. That is the window of the REST path (labels by POST, then the comment mutation)
 * and of a racer whose comment write is slow; its comment is about to land. Such a read waits `settleMs` and
 * re-reads before creating anything: one extra read, paid only by a delivery that found a racer mid-write, never by a
 * first labeling that raced nobody. If the comment still has not landed (the racer failed after its labels), this
 * delivery creates it as usual.
 */

/** Labels a bot added longer ago than this are an earlier, finished labeling, not a racer mid-write. */
export const RACER_WINDOW_MS = 30_000;
/** How long a delivery that found a racer mid-write waits before re-reading: one GitHub write's round trip. */
export const DEFAULT_SETTLE_MS = 1_000;

/** True when `state` shows another delivery between its label write and its comment write. */
export function racerMidWrite(state: IssueState, decision: LabelDecision, now = Date.now()): boolean {
  if (decision.comment === 'none' || state.locked || state.botComment !== null) return false;
  const at = state.botAppliedAt;
  if (!at) return false;
  // Only labels this decision stands behind: another app labeling the issue is no racer of ours.
  return decision.chosen.some((c) => {
    const added = at.get(c.label);
    return added !== undefined && now - added < RACER_WINDOW_MS;
  });
}
