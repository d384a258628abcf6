/** The JSON shape every part writes under bench/results/, and its Markdown rendering. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine';
import { fmt, markdownTable } from './table';

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Figure {
  name: string;
  /** null when not measured; `note` then says why. */
  value: number | null;
  unit: string;
  target?: Target;
  note?: string;
}

export type PartStatus = 'ok' | 'partial' | 'not-measured';

export interface PartResult {
  part: string;
  title: string;
  status: PartStatus;
  figures: Figure[];
  /** How it was measured, caveats, peers used. */
  notes: string[];
  /** Raw samples summaries and settings, for whoever wants to dig. */
  details?: Record<string, unknown>;
}

export interface PartReport extends PartResult {
  schema: 'label-bot-bench/1';
  mode: 'quick' | 'full';
  command: string;
  machine: MachineInfo;
  durationMs: number;
}

export function figure(
  name: string,
  value: number | null | undefined,
  unit: string,
  extra: { target?: Target; note?: string } = {},
): Figure {
  const v = value === undefined || value === null || Number.isNaN(value) ? null : value;
  return { name, value: v, unit, ...extra };
}

export function notMeasured(name: string, unit: string, reason: string, target?: Target): Figure {
  return { name, value: null, unit, note: `not measured (${reason})`, ...(target ? { target } : {}) };
}

/** true/false against the target; null when there is no target or no value. */
export function meets(f: Figure): boolean | null {
  if (!f.target || f.value === null) return null;
  return f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
}

export function statusOf(figures: readonly Figure[]): PartStatus {
  const measured = figures.filter((f) => f.value !== null).length;
  if (measured === 0) return 'not-measured';
  return measured === figures.length ? 'ok' : 'partial';
}

function targetText(t: Target | undefined, unit: string): string {
  if (!t) return '';
  return `${t.op === '>=' ? '≥' : '≤'} ${fmt(t.value)} ${unit}`.trim();
}

function metText(f: Figure): string {
  const m = meets(f);
  return m === null ? '' : m ? 'yes' : 'NO';
}

export function figureRows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => [f.name, fmt(f.value), f.unit, targetText(f.target, f.unit), metText(f), f.note ?? '']);
}

export function partMarkdown(r: PartResult): string {
  const table = markdownTable(['figure', 'value', 'unit', 'target', 'met', 'note'], figureRows(r.figures), [
    'l',
    'r',
    'l',
    'l',
    'l',
    'l',
  ]);
  const notes = r.notes.map((n) => `- ${n}`).join('\n');
  return `### ${r.title}\n\n${table}${notes ? `\n\n${notes}` : ''}\n`;
}

/** Writes bench/results/<part>.json (or <part>.quick.json) and returns the path. */
export function writePartReport(dir: string, report: PartReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.part}${report.mode === 'quick' ? '.quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

/** Checks an unknown value is a PartReport (used by the tests and by whoever reads results back). */
export function isPartReport(v: unknown): v is PartReport {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    r.schema === 'label-bot-bench/1' &&
    typeof r.part === 'string' &&
    typeof r.title === 'string' &&
    (r.mode === 'quick' || r.mode === 'full') &&
    Array.isArray(r.figures) &&
    (r.figures as unknown[]).every((f) => {
      const x = f as Record<string, unknown>;
      return (
        typeof x.name === 'string' && typeof x.unit === 'string' && (x.value === null || typeof x.value === 'number')
      );
    }) &&
    Array.isArray(r.notes) &&
    typeof r.machine === 'object' &&
    typeof r.durationMs === 'number'
  );
}
