import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl, type LabeledIssue } from '../../src/ml/dataset';
import type { TrainOptions } from '../../src/ml/train';

export const FIXTURES = join(import.meta.dirname, '../fixtures/ml');
export const small = () => readJsonl(join(FIXTURES, 'issues-small.jsonl'));
export const multi = () => readJsonl(join(FIXTURES, 'issues-multi.jsonl'));

/** The small fixture spread over three repos (round-robin within each label, so every repo has every label). */
export function threeRepos(): LabeledIssue[] {
  const seen = new Map<string, number>();
  return small().map((r) => {
    const k = seen.get(r.labels[0]!) ?? 0;
    seen.set(r.labels[0]!, k + 1);
    return { ...r, repo: ['o/a', 'o/b', 'o/c'][k % 3]! };
  });
}

/** Tiny hash space and few folds keep the suite fast; behaviour is the same as with the defaults. */
export const FAST: TrainOptions = { featurizer: { dim: 1 << 12 }, folds: 3, lambdas: [1e-2, 1e-3] };

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'label-bot-ml-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
