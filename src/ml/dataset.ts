/** Labeled issue rows: reading JSONL (errors name file and line), normalising, hashing, folds. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { seededRandom } from '../seeded-random';

export interface LabeledIssue {
  repo: string;
  title: string;
  body: string;
  labels: string[];
  /** Creation time (ISO, from `created_at`), as fetch-issues writes it; needed by time-ordered evaluation. */
  createdAt?: string;
}

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'DataFileError';
  }
}

/** Parses one JSONL row; `repo` defaults to '' (single scope), `body` null → ''. */
export function parseIssueRow(value: unknown, file: string, line: number, requireLabels: boolean): LabeledIssue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataFileError(file, line, 'expected a JSON object');
  }
  const o = value as Record<string, unknown>;
  const title = o.title ?? '';
  if (typeof title !== 'string') throw new DataFileError(file, line, '"title" must be a string');
  const body = o.body ?? '';
  if (typeof body !== 'string') throw new DataFileError(file, line, '"body" must be a string or null');
  const repo = o.repo ?? '';
  if (typeof repo !== 'string') throw new DataFileError(file, line, '"repo" must be a string');
  const labelsRaw = o.labels ?? (requireLabels ? undefined : []);
  if (!Array.isArray(labelsRaw) || labelsRaw.some((l) => typeof l !== 'string')) {
    throw new DataFileError(file, line, '"labels" must be an array of strings');
  }
  const created = o.created_at;
  if (created !== undefined && created !== null && (typeof created !== 'string' || Number.isNaN(Date.parse(created)))) {
    throw new DataFileError(file, line, '"created_at" must be an ISO date-time string');
  }
  const labels = [...new Set(labelsRaw as string[])].sort();
  return typeof created === 'string'
    ? { repo, title, body, labels, createdAt: created }
    : { repo, title, body, labels };
}

export function parseJsonl(text: string, file: string, requireLabels = true): LabeledIssue[] {
  const rows: LabeledIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DataFileError(
        file,
        i + 1,
        notJsonl(raw, file, rows.length === 0) ?? `malformed JSON (${(err as Error).message})`,
      );
    }
    rows.push(parseIssueRow(value, file, i + 1, requireLabels));
  }
  return rows;
}

const JSONL_SHAPE = 'one JSON object per line, {"repo": …, "title": …, "body": …, "labels": [...]}';

/** A first line that is not a JSON object at all: say what the file should be (CSV is the usual mix-up). */
function notJsonl(line: string, file: string, first: boolean): string | undefined {
  if (!first || line.startsWith('{')) return undefined;
  const csv = /\.(csv|tsv)$/i.test(file) || /^[^{[]*[,\t]/.test(line);
  return `not JSONL${csv ? ' (this looks like CSV)' : ''}: expected ${JSONL_SHAPE}; label-bot fetch-issues writes it`;
}

export function readJsonl(file: string, requireLabels = true): LabeledIssue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory, not a JSONL file'
          : (code ?? (err as Error).message);
    throw new Error(`cannot read data file ${file}: ${why}`);
  }
  const rows = parseJsonl(text, file, requireLabels);
  if (rows.length === 0) throw new Error(`${file} is empty (no rows): expected JSONL, ${JSONL_SHAPE}`);
  return rows;
}

function canonicalLine(r: LabeledIssue): string {
  return JSON.stringify([r.repo, r.title, r.body, r.labels]);
}

/**
 * Canonical order (by the hash of each row's canonical JSON) so a model depends on the set of rows,
 * not on the order of lines in the file. Ties (duplicate rows) keep a stable order.
 */
export function canonicalize(rows: readonly LabeledIssue[]): LabeledIssue[] {
  const keyed = rows.map((r) => ({ r, k: createHash('sha256').update(canonicalLine(r)).digest('hex') }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.r);
}

/** sha256 over the canonical rows, one canonical JSON line each: the model card's training data hash. */
export function dataHash(rows: readonly LabeledIssue[]): string {
  const h = createHash('sha256');
  for (const r of canonicalize(rows)) h.update(canonicalLine(r) + '\n');
  return h.digest('hex');
}

/**
 * Stratified k-fold assignment: rows are grouped by `strata(row)`, shuffled with the seed,
 * and dealt round-robin (continuing across groups so fold sizes stay balanced).
 */
export function stratifiedFolds<T>(rows: readonly T[], k: number, seed: number, strata: (r: T) => string): Int32Array {
  const fold = new Int32Array(rows.length);
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = strata(r);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const rand = seededRandom(seed);
  let next = 0;
  for (const key of [...groups.keys()].sort()) {
    const idx = groups.get(key)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    for (const i of idx) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}
