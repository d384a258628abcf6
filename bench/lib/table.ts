/** Markdown tables and number formatting for the bench's console output and docs/bench.md. */

/** Formats a figure for a table: thousands separators, sensible precision, "n/a" for missing values. */
export function fmt(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  const d = digits ?? (abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function cell(text: string): string {
  // A pipe or newline inside a cell would break the table.
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; `align` per column: 'l' (default) or 'r'. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[] = [],
): string {
  const width = headers.length;
  for (const [i, r] of rows.entries()) {
    if (r.length !== width) throw new Error(`row ${i} has ${r.length} cells, expected ${width}`);
  }
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const sep = `|${headers.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`;
  return [line(headers), sep, ...rows.map(line)].join('\n');
}
