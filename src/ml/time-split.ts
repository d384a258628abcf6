/**
 * Time-ordered holdout: train on the older issues, score the newest ones. A label bot always predicts issues newer
 * than its training data (labels, templates and components drift), so this is the estimate a publish decision needs;
 * random k-fold CV stays for model selection.
 */
import type { LabeledIssue } from './dataset';

export class TimeSplitError extends Error {
  override readonly name = 'TimeSplitError';
}

export interface TimeSplit<T extends LabeledIssue> {
  train: T[];
  test: T[];
  /** Creation time of the oldest test row: every training row was created at or before it. */
  cutoff: string;
}

/** Checks a --test-share value: a fraction strictly between 0 and 1. */
export function checkTestShare(share: number): number {
  if (!(share > 0 && share < 1))
    throw new TimeSplitError(`--test-share must be a fraction between 0 and 1 (e.g. 0.2), got ${share}`);
  return share;
}

/**
 * Sorts by creation time (ties keep file order) and holds out the newest `share` of rows (at least one, and at least
 * one left to train on). Rows without a creation time are an error naming how many and where to get it.
 */
export function splitByTime<T extends LabeledIssue>(
  rows: readonly T[],
  share: number,
  file = 'the data',
): TimeSplit<T> {
  checkTestShare(share);
  const missing = rows.filter((r) => r.createdAt === undefined).length;
  if (missing > 0) {
    throw new TimeSplitError(
      `${file}: ${missing} of ${rows.length} rows have no "created_at", which --split time needs; ` +
        'label-bot fetch-issues writes it (re-fetch the file, or add "created_at": "2026-01-31T12:00:00Z" to each row)',
    );
  }
  if (rows.length < 2) throw new TimeSplitError(`${file}: --split time needs at least 2 rows, got ${rows.length}`);
  const ordered = rows.map((r, i) => ({ r, i, t: Date.parse(r.createdAt!) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const nTest = Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * share)));
  const cut = rows.length - nTest;
  return {
    train: ordered.slice(0, cut).map((x) => x.r),
    test: ordered.slice(cut).map((x) => x.r),
    cutoff: new Date(ordered[cut]!.t).toISOString(),
  };
}
