/** How a backfill shows what it did or would do: a terminal table, and a CSV or JSONL file for review. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import type { BackfillRow, BackfillSummary } from './backfill';
import { renderTable } from './text-table';

export const CSV_COLUMNS = [
  'issue',
  'state',
  'action',
  'reason',
  'add',
  'chosen',
  'suppressed',
  'labels_before',
  'comment',
  'model_version',
  'applied',
  'title',
] as const;

/** RFC 4180 quoting; a leading `=+-@` is prefixed with `'` so a spreadsheet never runs an issue title as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function scored(row: BackfillRow): string {
  return row.chosen.map((c) => `${c.label}:${c.score.toFixed(3)}`).join(' ');
}

function csvLine(row: BackfillRow): string {
  const cells = [
    String(row.issue),
    row.state,
    row.action,
    row.reason,
    row.add.join(';'),
    scored(row),
    row.suppressed.join(';'),
    row.labelsBefore.join(';'),
    row.comment,
    row.modelVersion,
    String(row.applied),
    row.title,
  ];
  return cells.map(csvCell).join(',');
}

export interface RowWriter {
  write(row: BackfillRow): Promise<void>;
  close(): Promise<void>;
}

/** Rows stream to disk as they finish, so an interrupted run keeps what it did. Format follows the extension. */
export async function openRowWriter(path: string): Promise<RowWriter> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.jsonl') throw new Error(`--out must end in .csv or .jsonl, got ${path}`);
  await mkdir(dirname(path), { recursive: true });
  const stream: WriteStream = createWriteStream(path);
  const put = (text: string) =>
    new Promise<void>((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
  if (ext === '.csv') await put(`${CSV_COLUMNS.join(',')}\n`);
  return {
    write: (row) => put(`${ext === '.csv' ? csvLine(row) : JSON.stringify(row)}\n`),
    close: () =>
      new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve()))),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderBackfillTable(rows: readonly BackfillRow[], dryRun: boolean): string {
  return renderTable(
    ['issue', 'action', dryRun ? 'would add' : 'added', 'scores', 'comment', 'title'],
    rows.map((r) => [
      `#${r.issue}`,
      r.action === 'label' ? 'label' : `${r.action} (${r.reason})`,
      r.add.join(', ') || '-',
      scored(r) || '-',
      r.comment,
      clip(r.title.replace(/\s+/g, ' '), 50),
    ]),
    { align: 'left' },
  );
}

export function renderBackfillSummary(s: BackfillSummary, dryRun: boolean): string {
  const verb = dryRun ? 'would label' : 'labeled';
  const resumed = s.resumedPast > 0 ? `, ${s.resumedPast} already done by an earlier run` : '';
  return (
    `${s.listed} issues listed${resumed}; ${s.processed} processed: ${verb} ${s.labeled} ` +
    `(${s.labelsAdded} label${s.labelsAdded === 1 ? '' : 's'}), ${s.gone} gone.${dryRun ? ' Dry run: nothing was written to GitHub.' : ''}`
  );
}
