/** One SVG per label: weekly precision over time, drawn by vega-lite (spec) and vega (headless SVG renderer). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { WeeklyPoint } from './live-precision';

interface PlotDatum {
  week: string;
  measure: string;
  precision: number;
  judged: number;
}

/** Long format: one row per (week, measure); weeks where a measure has no judged items are left out, not drawn as 0. */
export function plotData(points: readonly WeeklyPoint[]): PlotDatum[] {
  const rows: PlotDatum[] = [];
  for (const p of points) {
    const measures: [string, number | null, number][] = [
      ['labels kept', p.labelPrecision, p.kept + p.removed],
      ['reactions', p.reactionPrecision, p.up + p.down],
      ['combined', p.combinedPrecision, p.kept + p.removed + p.up + p.down],
    ];
    for (const [measure, value, judged] of measures) {
      if (value !== null) rows.push({ week: p.week, measure, precision: value, judged });
    }
  }
  return rows;
}

export function precisionSpec(label: string, points: readonly WeeklyPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `label-bot precision: ${label}`, subtitle: 'by week the bot applied the label' },
    width: 520,
    height: 240,
    data: { values: plotData(points) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'week', type: 'temporal', timeUnit: 'yearmonthdate', title: 'week (Monday, UTC)' },
      y: { field: 'precision', type: 'quantitative', scale: { domain: [0, 1] }, title: 'precision' },
      color: {
        field: 'measure',
        type: 'nominal',
        sort: ['labels kept', 'reactions', 'combined'],
        title: null,
      },
      tooltip: [
        { field: 'week', type: 'temporal' },
        { field: 'measure', type: 'nominal' },
        { field: 'precision', type: 'quantitative', format: '.2f' },
        { field: 'judged', type: 'quantitative' },
      ],
    },
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** File-system-safe, stable name: `area/ui` → `precision-area-ui.svg`. */
export function plotFileName(label: string): string {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'label';
  return `precision-${slug}.svg`;
}

/** Writes one SVG per label into `dir`; returns the paths written. */
export async function writePrecisionPlots(dir: string, points: readonly WeeklyPoint[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const byLabel = new Map<string, WeeklyPoint[]>();
  for (const p of points) byLabel.set(p.label, [...(byLabel.get(p.label) ?? []), p]);
  const written: string[] = [];
  const used = new Set<string>();
  for (const [label, list] of [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let name = plotFileName(label);
    for (let n = 2; used.has(name); n++) name = plotFileName(`${label}-${n}`);
    used.add(name);
    const path = join(dir, name);
    await writeFile(path, await renderSvg(precisionSpec(label, list)));
    written.push(path);
  }
  return written;
}
