/**
 * Benchmark texts: the shared labeled issues (../shared/data, read-only, never copied into the repo) when present,
 * else the committed fixture bench/fixtures/issues.jsonl (our own text). Quick mode always uses the fixture so the
 * smoke pass is fast and runs anywhere.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonl, type LabeledIssue } from '../../src/ml/dataset';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA_DIR = join(REPO_ROOT, '..', 'shared', 'data');
export const NLBSE_FILE = join(SHARED_DATA_DIR, 'nlbse24-train.jsonl');
export const COREFX_FILE = join(SHARED_DATA_DIR, 'corefx-area-train.jsonl');
export const FIXTURE_FILE = join(REPO_ROOT, 'bench', 'fixtures', 'issues.jsonl');

export interface BenchData {
  /** 'shared' = ../shared/data/nlbse24-train.jsonl; 'fixture' = bench/fixtures/issues.jsonl. */
  source: 'shared' | 'fixture';
  file: string;
  rows: LabeledIssue[];
}

export function sharedDataAvailable(): boolean {
  return existsSync(NLBSE_FILE);
}

export function loadBenchData(quick: boolean): BenchData {
  if (!quick && sharedDataAvailable()) return { source: 'shared', file: NLBSE_FILE, rows: readJsonl(NLBSE_FILE) };
  return { source: 'fixture', file: FIXTURE_FILE, rows: readJsonl(FIXTURE_FILE) };
}

/** Rows of one repo, in file order. */
export function rowsOfRepo(rows: readonly LabeledIssue[], repo: string): LabeledIssue[] {
  return rows.filter((r) => r.repo === repo);
}

/** Repeats rows until there are at least `n` (the fixture is small; throughput needs enough work per round). */
export function atLeast<T>(rows: readonly T[], n: number): T[] {
  if (rows.length === 0) throw new Error('no rows');
  const out: T[] = [];
  while (out.length < n) out.push(...rows);
  return out;
}
