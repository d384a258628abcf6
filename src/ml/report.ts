/**
 * `eval --report DIR`: a Markdown model card plus one precision-recall plot per label,
 * rendered by vega-lite → vega → SVG (no hand-built SVG).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { EvalReport, ScoredRow } from './evaluate';
import { chooseThreshold, DEFAULT_PRECISION_TARGET } from './thresholds';

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/** Precision/recall at every distinct score of `label`, highest threshold first. */
export function prCurve(rows: readonly ScoredRow[], label: string): PrPoint[] {
  const pts: { s: number; y: boolean }[] = [];
  for (const r of rows) {
    const c = r.labels.indexOf(label);
    if (c >= 0) pts.push({ s: r.scores[c]!, y: r.truth.includes(label) });
  }
  const positives = pts.filter((p) => p.y).length;
  if (positives === 0) return [];
  pts.sort((a, b) => b.s - a.s);
  const out: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < pts.length;) {
    const s = pts[i]!.s;
    while (i < pts.length && pts[i]!.s === s) {
      if (pts[i]!.y) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold: s, precision: tp / (tp + fp), recall: tp / positives });
  }
  return out;
}

export interface MarkedThreshold {
  threshold: number | null;
  /** `model`: the threshold the scoring model carries; `rule`: the precision-target rule applied to these scores. */
  source: 'model' | 'rule';
}

/**
 * The threshold a label's report shows: the model's own when one model scored every row (`--model`, or one trained
 * model); otherwise (CV, per-repo models) the rule's choice on these out-of-fold scores, which is what training
 * on all of the data would approximate.
 */
export function markedThreshold(rows: readonly ScoredRow[], label: string): MarkedThreshold {
  const own = new Set<number | null>();
  const scores: number[] = [];
  const truth: boolean[] = [];
  for (const r of rows) {
    const c = r.labels.indexOf(label);
    if (c < 0) continue;
    own.add(r.thresholds[c] ?? null);
    scores.push(r.scores[c]!);
    truth.push(r.truth.includes(label));
  }
  if (own.size === 1) return { threshold: [...own][0]!, source: 'model' };
  return { threshold: chooseThreshold(scores, truth), source: 'rule' };
}

/** Precision and recall when predicting at `threshold`: the curve's point for the lowest score still ≥ it. */
function pointAt(points: readonly PrPoint[], threshold: number): PrPoint | undefined {
  let at: PrPoint | undefined;
  for (const p of points) if (p.threshold >= threshold) at = p;
  return at;
}

export async function prPlotSvg(label: string, points: PrPoint[], marked?: MarkedThreshold): Promise<string> {
  // A threshold above every score predicts nothing: recall 0, drawn at the top left.
  const chosen =
    marked?.threshold != null
      ? (pointAt(points, marked.threshold) ?? { threshold: marked.threshold, recall: 0, precision: 1 })
      : undefined;
  const target = `precision target ${DEFAULT_PRECISION_TARGET}`;
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Precision-recall: ${label}`,
    width: 360,
    height: 260,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: false, interpolate: 'step-after' },
        encoding: {
          x: { field: 'recall', type: 'quantitative', scale: { domain: [0, 1] }, title: 'recall' },
          y: { field: 'precision', type: 'quantitative', scale: { domain: [0, 1] }, title: 'precision' },
          order: { field: 'recall', type: 'quantitative' },
        },
      },
      {
        data: { values: [{ p: DEFAULT_PRECISION_TARGET, text: target }] },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
            encoding: { y: { field: 'p', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: 'gray' },
            encoding: {
              x: { datum: 0, type: 'quantitative' },
              y: { field: 'p', type: 'quantitative' },
              text: { field: 'text' },
            },
          },
        ],
      },
      ...(chosen && marked
        ? [
            {
              data: {
                values: [
                  {
                    ...chosen,
                    text: `${marked.source === 'model' ? 'threshold' : 'rule threshold'} ${marked.threshold!.toFixed(3)}${chosen.recall === 0 ? ' (above every score)' : ''}`,
                  },
                ],
              },
              layer: [
                { mark: { type: 'point' as const, shape: 'diamond', size: 120, filled: true, color: 'firebrick' } },
                {
                  mark: {
                    type: 'text' as const,
                    align: (chosen.recall < 0.5 ? 'left' : 'right') as 'left' | 'right',
                    dx: chosen.recall < 0.5 ? 8 : -8,
                    dy: 12,
                    color: 'firebrick',
                  },
                  encoding: { text: { field: 'text' } },
                },
              ],
              encoding: {
                x: { field: 'recall', type: 'quantitative' as const },
                y: { field: 'precision', type: 'quantitative' as const },
              },
            },
          ]
        : []),
    ],
  };
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function fileSafe(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function pct(x: number): string {
  return x.toFixed(3);
}

export async function writeEvalReport(
  dir: string,
  report: EvalReport,
  scored: readonly ScoredRow[],
  meta: { command: string; dataHash?: string },
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const labels = [...new Set(scored.flatMap((r) => r.labels))].sort();
  const written: string[] = [];
  const md: string[] = [
    '# Model card',
    '',
    report.mode === 'loro'
      ? `Evaluation mode: leave-one-repo-out (${report.folds} repos; each scored by a model trained on the others).`
      : `Evaluation mode: ${report.mode}${report.folds ? ` (${report.folds}-fold CV)` : ''}${report.perRepo ? ', per repo' : ''}.`,
    '',
    `Command: \`label-bot ${meta.command}\``,
    '',
    `**Score: ${pct(report.score)}** (${report.mode === 'loro' ? 'mean over held-out repos of macro-F1' : report.perRepo ? 'mean over repos of macro-F1' : 'macro-F1'}); accuracy ${pct(report.accuracy)}; ${report.n} rows; decision: ${report.decision}.`,
    `With the per-label thresholds the bot applies: macro-F1 ${pct(report.withThresholds.macroF1)}, exact-set accuracy ${pct(report.withThresholds.accuracy)}; precision of applied labels ${pct(report.applied.precision)} at coverage ${pct(report.applied.coverage)} (share of issues given a label).`,
    '',
    '## Per label',
    '',
    '| label | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...Object.entries(report.perLabel).map(
      ([l, m]) => `| ${l} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${m.support} |`,
    ),
    '',
  ];
  if (Object.keys(report.repos).length > 1) {
    md.push('## Per repo', '', '| repo | macro-F1 | accuracy | n |', '|---|---|---|---|');
    for (const [repo, g] of Object.entries(report.repos))
      md.push(`| ${repo} | ${pct(g.macroF1)} | ${pct(g.accuracy)} | ${g.n} |`);
    md.push('');
  }
  md.push(
    '## Thresholds',
    '',
    `Rule: per label, the threshold with the highest recall among those with precision ≥ ${DEFAULT_PRECISION_TARGET} on held-out folds; \`never\` = the label cannot reach that precision and is never predicted.`,
    '',
  );
  for (const [name, m] of Object.entries(report.models ?? {})) {
    md.push(
      `- ${name === '*' ? 'model' : name}: ${Object.entries(m.thresholds)
        .map(([l, t]) => `${l} ${t === null ? 'never' : t.toFixed(3)}`)
        .join(', ')}${m.lambda ? ` (λ ${m.lambda})` : ''}`,
    );
  }
  const marks = new Map(labels.map((l) => [l, markedThreshold(scored, l)]));
  if (!report.models || Object.keys(report.models).length === 0) {
    const fmt = (t: number | null) => (t === null ? 'never' : t.toFixed(3));
    md.push(
      report.mode === 'cv'
        ? `Each CV fold trains its own model, so there is no one set of thresholds; the rule applied to the out-of-fold scores picks: ${labels.map((l) => `${l} ${fmt(marks.get(l)!.threshold)}`).join(', ')}. \`label-bot train\` writes the final model's own in MODEL_CARD.md.`
        : `The model's thresholds: ${labels.map((l) => `${l} ${fmt(marks.get(l)!.threshold)}`).join(', ')}.`,
    );
  }
  md.push('');
  if (report.unknownLabelCount > 0) {
    md.push(
      `Unknown test labels (never predictable): ${Object.entries(report.unknownLabels)
        .map(([l, n]) => `${l} ×${n}`)
        .join(', ')}.`,
      '',
    );
  }
  if (meta.dataHash) md.push(`Training data hash (sha256): \`${meta.dataHash}\``, '');
  md.push('## Precision-recall', '');
  for (const l of labels) {
    const file = `pr-${fileSafe(l)}.svg`;
    const svg = await prPlotSvg(l, prCurve(scored, l), marks.get(l));
    writeFileSync(join(dir, file), svg);
    written.push(join(dir, file));
    md.push(`![precision-recall ${l}](${file})`, '');
  }
  writeFileSync(join(dir, 'model-card.md'), md.join('\n'));
  written.unshift(join(dir, 'model-card.md'));
  return written;
}
