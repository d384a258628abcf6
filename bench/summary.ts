/**
 * `npx tsx bench/summary.ts [bench/results/latest.json]` — one Markdown table of a finished run (every part's
 * figures with their targets), headed by the machine, date and command: what docs/bench.md and the README quote.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/data';
import { describeMachine, type MachineInfo } from './lib/machine';
import { figureRows, type PartReport } from './lib/result';
import { markdownTable } from './lib/table';

interface RunFile {
  mode: string;
  command: string;
  machine: MachineInfo;
  parts: PartReport[];
}

export function summaryMarkdown(run: RunFile): string {
  const rows: string[][] = [];
  for (const p of run.parts) {
    for (const r of figureRows(p.figures)) rows.push([p.part, ...r]);
  }
  const table = markdownTable(['part', 'figure', 'value', 'unit', 'target', 'met', 'note'], rows, [
    'l',
    'l',
    'r',
    'l',
    'l',
    'l',
    'l',
  ]);
  return `Machine: ${describeMachine(run.machine)}\n\nCommand: \`${run.command}\` (${run.mode})\n\n${table}\n`;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const file = process.argv[2] ?? join(REPO_ROOT, 'bench', 'results', 'latest.json');
  process.stdout.write(summaryMarkdown(JSON.parse(readFileSync(file, 'utf8')) as RunFile));
}
