/**
 * Part 6 — training time through the ML core's train API (trainModel: featurizing, internal CV over λ, thresholds).
 * One NLBSE repo (300 issues) and the pooled universal model (all 1,500 rows; the runner trains it once and every
 * other part loads it, so its time is taken from that run).
 */
import type { BenchContext } from '../lib/context';
import { rowsOfRepo } from '../lib/data';
import { QUICK_TRAIN_OPTIONS, trainToDir } from '../lib/model';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';

const REPO = 'facebook/react';

export async function runTraining(ctx: BenchContext): Promise<PartResult> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  if (ctx.data.source === 'shared') {
    const repoRows = rowsOfRepo(ctx.data.rows, REPO);
    ctx.log(`training: ${REPO} (${repoRows.length} rows)`);
    const repo = trainToDir(repoRows, `bench-${REPO}`);
    figures.push(figure(`one repo (${REPO}, ${repoRows.length} issues), wall`, repo.trainMs / 1000, 's', { target: { op: '<=', value: 10 } }));
    figures.push(figure(`one repo, CPU time`, repo.trainCpuMs / 1000, 'CPU-s', { target: { op: '<=', value: 10 } }));
    details.repo = repo;
  } else {
    const reason = ctx.quick ? 'skipped in --quick' : 'shared data missing (../shared/data/nlbse24-train.jsonl)';
    figures.push(notMeasured('one repo (300 issues)', 's', reason, { op: '<=', value: 10 }));
  }
  const m = ctx.model;
  const label = ctx.data.source === 'shared' ? `pooled universal (${m.rows} issues)` : `fixture model (${m.rows} issues, quick options)`;
  figures.push(figure(`${label}, wall`, m.trainMs / 1000, 's', ctx.data.source === 'shared' ? { target: { op: '<=', value: 60 } } : {}));
  figures.push(figure(`${label}, CPU time`, m.trainCpuMs / 1000, 'CPU-s', ctx.data.source === 'shared' ? { target: { op: '<=', value: 60 } } : {}));
  notes.push('trainModel with default options (3 λ × internal 5-fold CV, then the final fit); export and writing excluded. The trainer is single-threaded, so CPU time is the figure least disturbed by other load.');
  if (ctx.quick) notes.push(`--quick trains on the fixture with ${JSON.stringify(QUICK_TRAIN_OPTIONS)}; not comparable with the targets.`);
  details.universal = m;
  return { part: 'training', title: '6. Training time', status: statusOf(figures), figures, notes, details };
}
