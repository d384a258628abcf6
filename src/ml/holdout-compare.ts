/**
 * The one publish rule, measured on the newest issues: a candidate replaces the current model only when, on the same
 * newest-issues holdout, its macro-F1 is higher and the labels it applies are at least as precise as the precision
 * rule asks. `publish --holdout-data`, `onboard` and `retrain` all decide through `compareOnHoldout`, so there is one
 * guard; random CV stays for model selection inside the trainer.
 *
 * Why time-ordered: the bot always labels issues newer than its training data, and labels, templates and components
 * drift, so random folds overstate what the next month looks like. Why "strictly higher": a tie is no reason to move
 * the pointer (and with it every worker's cache).
 */
import { buildReport, type ScoredRow } from './evaluate';

/** A model's figures on a holdout: macro-F1 (the eval headline), and precision / coverage of the applied labels. */
export interface HoldoutFigures {
  macroF1: number;
  precision: number;
  coverage: number;
  n: number;
}

export interface HoldoutVerdict {
  accept: boolean;
  reason: string;
  candidate: HoldoutFigures;
  /** Absent when there is no current model (a first publish). */
  current?: HoldoutFigures & { version: string };
}

export function holdoutFigures(scored: ScoredRow[]): HoldoutFigures {
  const r = buildReport(scored, 'model-test', false);
  return { macroF1: r.macroF1, precision: r.applied.precision, coverage: r.applied.coverage, n: r.n };
}

const f3 = (x: number): string => x.toFixed(3);

export function compareOnHoldout(opts: {
  candidate: HoldoutFigures;
  current?: (HoldoutFigures & { version: string }) | null;
  minPrecision: number;
}): HoldoutVerdict {
  const { candidate: c, current, minPrecision } = opts;
  const base = { candidate: c, ...(current ? { current } : {}) };
  if (c.coverage === 0)
    return { ...base, accept: false, reason: 'on the newest issues the model applies no label at all' };
  if (c.precision < minPrecision) {
    return {
      ...base,
      accept: false,
      reason: `precision ${f3(c.precision)} on the newest issues is below the rule's ${minPrecision} (--min-precision)`,
    };
  }
  if (current && !(c.macroF1 > current.macroF1)) {
    return {
      ...base,
      accept: false,
      reason:
        `macro-F1 ${f3(c.macroF1)} on the newest ${c.n} issues is not better than current ${current.version}'s ` +
        `${f3(current.macroF1)} (precision ${f3(c.precision)} vs ${f3(current.precision)})`,
    };
  }
  return {
    ...base,
    accept: true,
    reason: current
      ? `macro-F1 ${f3(c.macroF1)} on the newest ${c.n} issues beats current ${current.version}'s ${f3(current.macroF1)}; precision ${f3(c.precision)} ≥ ${minPrecision}`
      : `no current model; precision ${f3(c.precision)} on the newest ${c.n} issues ≥ ${minPrecision}`,
  };
}
