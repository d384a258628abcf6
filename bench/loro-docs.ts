/**
 * The documents bench/loro.ts featurizes once: every row as written (scored), its title-only copy, and the
 * train-only cleaned forms (recurring lines of its repo removed and/or the static boilerplate strip).
 */
import type { LabeledIssue } from '../src/ml/dataset';
import { recurringLines, removeLines, stripTemplateBoilerplate } from '../src/ml/template-strip';
import type { Config } from './loro-config';

export interface Doc {
  issue: { title: string; body: string };
}

export function loroDocs(
  rows: readonly LabeledIssue[],
  repos: readonly string[],
  repoOf: readonly number[],
  cfg: Config,
) {
  const docs: Doc[] = [];
  const add = (title: string, body: string) => docs.push({ issue: { title, body } }) - 1;
  const testDoc = rows.map((r) => add(r.title, r.body ?? ''));
  const titleDoc = rows.map((r) => add(r.title, ''));
  let trainDoc = testDoc;
  let cleanedDoc: number[] | null = null;
  if (cfg.recurring || cfg.trainStatic || cfg.cleanedCopy) {
    const rec = new Map<number, Set<string>>();
    repos.forEach((_, ri) =>
      rec.set(
        ri,
        cfg.recurring || cfg.cleanedCopy
          ? recurringLines(
              rows.filter((_, i) => repoOf[i] === ri).map((r) => r.body ?? ''),
              cfg.recurring ?? 0.05,
            )
          : new Set(),
      ),
    );
    const cleaned = rows.map((r, i) => {
      let b = r.body ?? '';
      b = removeLines(b, rec.get(repoOf[i]!)!);
      if (cfg.trainStatic) b = stripTemplateBoilerplate(b);
      return add(r.title, b);
    });
    if (cfg.cleanedCopy) cleanedDoc = cleaned;
    else trainDoc = cleaned;
  }
  return { docs, add, testDoc, titleDoc, trainDoc, cleanedDoc };
}
