/**
 * Training documents for the universal model (issue #14): each labeled row is scored as written, and may be
 * trained on in several forms — as written, with its repo's recurring template lines removed, and as a title-only
 * copy (how terse reports look: "App crashes on start" with an empty body). Copies only ever join training folds;
 * out-of-fold scores, thresholds and metrics use the rows as written.
 */
import type { LabeledIssue } from './dataset';
import { recurringLines, removeLines } from './template-strip';

export interface TrainingDoc {
  /** Index of the labeled row this document comes from. */
  row: number;
  title: string;
  body: string;
  /** 'row': the row as written (also what is scored); 'cleaned': recurring lines removed; 'titleOnly': empty body. */
  form: 'row' | 'cleaned' | 'titleOnly';
}

export interface AugmentOptions {
  /** Add a title-only copy of every row (its loss weight is chosen by the trainer). */
  titleOnly?: boolean;
  /**
   * Train on the row with the lines that recur in ≥ this share of its repo's issues removed (instead of the row as
   * written; the row as written is still what is scored). 0/absent: off.
   */
  stripRecurringLines?: number;
}

/**
 * Documents for rows (in the given order): first one 'row' document per row (document i = row i, the form that is
 * scored), then per row its 'cleaned' form (when stripRecurringLines > 0), then its 'titleOnly' copy.
 */
export function trainingDocs(rows: readonly LabeledIssue[], opts: AugmentOptions = {}): TrainingDoc[] {
  const docs: TrainingDoc[] = rows.map((r, row) => ({ row, title: r.title ?? '', body: r.body ?? '', form: 'row' }));
  if (opts.stripRecurringLines && opts.stripRecurringLines > 0) {
    const byRepo = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const g = byRepo.get(r.repo);
      if (g) g.push(i);
      else byRepo.set(r.repo, [i]);
    });
    const lines = new Map<string, Set<string>>();
    for (const [repo, idx] of byRepo)
      lines.set(
        repo,
        recurringLines(
          idx.map((i) => rows[i]!.body ?? ''),
          opts.stripRecurringLines,
        ),
      );
    rows.forEach((r, row) =>
      docs.push({ row, title: r.title ?? '', body: removeLines(r.body ?? '', lines.get(r.repo)!), form: 'cleaned' }),
    );
  }
  if (opts.titleOnly) rows.forEach((r, row) => docs.push({ row, title: r.title ?? '', body: '', form: 'titleOnly' }));
  return docs;
}
