/**
 * Training data preparation: labeled rows → the Prepared problem the fitter and model selection work on (canonical
 * row order, kept labels, targets, featurized vectors, Gram matrix, domains for pooled per-repo training).
 *
 * Done once per training run, before any fitting, so that every CV candidate sees the same rows in the same order;
 * that order (sha256 of each row) is what makes training deterministic.
 */
import { canonicalize, type LabeledIssue } from './dataset';
import { featurize } from './featurizer';
import type { FeaturizerSettings } from './featurizer-settings';
import { gramMatrix } from './kernel-fit';
import type { ModelKind, Targets } from './linear';
import type { SparseVector } from './sparse-vector';
import { titleRestGrams, type TitleParts } from './title-scale';
import {
  DEFAULT_MIN_EXAMPLES,
  DEFAULT_TITLE_SCALES,
  resolveFeaturizer,
  type ClassWeight,
  type TrainLoss,
  type TrainOptions,
} from './train-options';

export interface Prepared {
  rows: LabeledIssue[];
  vectors: SparseVector[];
  labels: string[];
  kind: ModelKind;
  targets: Targets;
  /** Domain id per row (0 when not domain-adapted). */
  domainOf: Int32Array;
  /** Gram matrix of the rows (n×n), including the domain-copy term when pooled; empty with cvBy 'repo'. */
  K: Float64Array;
  /** Weight of the repo-specific feature copies (0 = none). */
  domainWeight: number;
  settings: FeaturizerSettings;
  loss: TrainLoss;
  classWeight: ClassWeight;
  /** Title-part and rest-part Gram matrices and squared norms, for choosing the title weight by CV. */
  titleParts?: TitleParts;
  domains: string[];
}

/** Drops rare labels, decides single vs multi, and drops rows left without a label. */
function selectLabels(rows: LabeledIssue[], minExamples: number, warn: (m: string) => void) {
  const counts = new Map<string, number>();
  for (const r of rows) for (const l of r.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const dropped: Record<string, number> = {};
  const labels: string[] = [];
  for (const [l, n] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (n < minExamples) {
      dropped[l] = n;
      warn(`label "${l}" has only ${n} example(s) (< ${minExamples}): dropped`);
    } else labels.push(l);
  }
  const keep = new Set(labels);
  const kept = rows
    .map((r) => ({ ...r, labels: r.labels.filter((l) => keep.has(l)) }))
    .filter((r) => r.labels.length > 0);
  if (kept.length < rows.length) warn(`${rows.length - kept.length} row(s) have no usable label and were skipped`);
  const kind: ModelKind = kept.every((r) => r.labels.length === 1) ? 'single' : 'multi';
  return { rows: kept, labels, kind, dropped };
}

function targetsFor(rows: LabeledIssue[], labels: string[], kind: ModelKind): Targets {
  const id = new Map(labels.map((l, i) => [l, i]));
  if (kind === 'single') {
    return { kind, nClasses: labels.length, classOf: Int32Array.from(rows, (r) => id.get(r.labels[0]!)!) };
  }
  const multi = new Uint8Array(rows.length * labels.length);
  rows.forEach((r, i) => r.labels.forEach((l) => (multi[i * labels.length + id.get(l)!] = 1)));
  return { kind, nClasses: labels.length, multi };
}

/** The targets of rows `idx`, in that order. */
export function subsetTargets(t: Targets, idx: number[]): Targets {
  if (t.kind === 'single') return { ...t, classOf: Int32Array.from(idx, (i) => t.classOf![i]!) };
  const C = t.nClasses;
  const multi = new Uint8Array(idx.length * C);
  idx.forEach((i, r) => multi.set(t.multi!.subarray(i * C, i * C + C), r * C));
  return { ...t, multi };
}

/** Repo-specific feature copies (scaled by w) add w²·⟨x_i, x_j⟩ for rows of the same repo. */
export function boostDomains(K: Float64Array, domainOf: Int32Array, domainWeight: number): void {
  if (domainWeight <= 0) return;
  const n = domainOf.length;
  const boost = 1 + domainWeight * domainWeight;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (domainOf[i] === domainOf[j]) K[i * n + j]! *= boost;
}

/** Prepares rows for training; `pooled` = one problem over all repos with repo-specific feature copies. */
export function prepare(
  rowsIn: readonly LabeledIssue[],
  opts: TrainOptions,
  pooled: boolean,
): Prepared & { dropped: Record<string, number> } {
  const domainWeight = pooled ? (opts.domainWeight ?? 1) : 0;
  const warn = opts.onWarning ?? (() => {});
  const minExamples = opts.minExamples ?? DEFAULT_MIN_EXAMPLES;
  const rows0 = canonicalize(rowsIn);
  const sel = selectLabels(rows0, minExamples, warn);
  if (sel.labels.length < 2 && sel.kind === 'single') {
    throw new Error(`need at least 2 labels with ≥ ${minExamples} examples to train; found ${sel.labels.length}`);
  }
  if (sel.labels.length < 1) throw new Error('no label has enough examples to train');
  const settings = resolveFeaturizer(opts.featurizer);
  const domains = pooled ? [...new Set(sel.rows.map((r) => r.repo))].sort() : [''];
  const did = new Map(domains.map((d, i) => [d, i]));
  const vectors = sel.rows.map((r) => featurize(r, settings));
  const domainOf = Int32Array.from(sel.rows, (r) => (pooled ? did.get(r.repo)! : 0));
  const scales = opts.titleScales ?? DEFAULT_TITLE_SCALES;
  // Grouped CV (grouped-cv.ts) builds its own Gram matrices over the rows and their training copies.
  const grouped = !pooled && opts.cvBy === 'repo';
  const titleParts = scales.length > 1 && !grouped ? titleRestGrams(sel.rows, settings) : undefined;
  const K = grouped ? new Float64Array(0) : gramMatrix(vectors);
  boostDomains(K, domainOf, domainWeight);
  return {
    rows: sel.rows,
    vectors,
    K,
    titleParts,
    settings,
    loss: opts.loss === 'logistic' ? 'logistic' : 'sqhinge',
    classWeight: opts.classWeight ?? 'balanced',
    domainWeight,
    labels: sel.labels,
    kind: sel.kind,
    targets: targetsFor(sel.rows, sel.labels, sel.kind),
    domainOf,
    domains,
    dropped: sel.dropped,
  };
}
