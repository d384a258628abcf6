/** Plain aligned text tables for CLI output; no colours, so the output pastes cleanly into issues and docs. */
export interface TableOptions {
  /** `numeric` (default) right-aligns every column but the first; `left` left-aligns all. */
  align?: 'numeric' | 'left';
}

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: TableOptions = {},
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 || opts.align === 'left' ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** `0.8333` → `0.83`; a missing ratio is `-`, never `NaN`. */
export function fmtRatio(x: number | null): string {
  return x === null ? '-' : x.toFixed(2);
}
