/**
 * Part 6 — training time through the ML core's train API (trainModel: featurizing, internal CV over λ, thresholds).
 * One NLBSE repo (300 issues) with a repo model's default options, and the pooled universal model (all 1,500 rows)
 * with the universal model's options (leave-one-repo-out selection).
 */
import type { BenchContext } from '../lib/context';
import { rowsOfRepo } from '../lib/data';
import { QUICK_TRAIN_OPTIONS, REPO_TRAIN_OPTIONS, trainToDir, UNIVERSAL_TRAIN_OPTIONS } from '../lib/model';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';

const REPO = 'facebook/react';

export async function runTraining(ctx: BenchContext): Promise<PartResult> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  if (ctx.data.source === 'shared') {
    const repoRows = rowsOfRepo(ctx.data.rows, REPO);
    ctx.log(`training: ${REPO} (${repoRows.length} rows)`);
    const repo = trainToDir(repoRows, `bench-${REPO}`, REPO_TRAIN_OPTIONS);
    figures.push(
      figure(`one repo (${REPO}, ${repoRows.length} issues), wall`, repo.trainMs / 1000, 's', {
        target: { op: '<=', value: 10 },
      }),
    );
    figures.push(figure(`one repo, CPU time`, repo.trainCpuMs / 1000, 'CPU-s', { target: { op: '<=', value: 10 } }));
    details.repo = repo;
  } else {
    const reason = ctx.quick ? 'skipped in --quick' : 'shared data missing (../shared/data/nlbse24-train.jsonl)';
    figures.push(notMeasured('one repo (300 issues)', 's', reason, { op: '<=', value: 10 }));
  }
  if (ctx.data.source === 'shared') {
    ctx.log(`training: pooled universal (${ctx.data.rows.length} rows)`);
    const u = trainToDir(ctx.data.rows, 'bench-universal', UNIVERSAL_TRAIN_OPTIONS);
    figures.push(
      figure(`pooled universal (${u.rows} issues), wall`, u.trainMs / 1000, 's', { target: { op: '<=', value: 60 } }),
    );
    figures.push(
      figure('pooled universal, CPU time', u.trainCpuMs / 1000, 'CPU-s', { target: { op: '<=', value: 60 } }),
    );
    details.universal = u;
  } else {
    const u = trainToDir(ctx.data.rows, 'bench-fixture', QUICK_TRAIN_OPTIONS);
    figures.push(figure(`fixture model (${u.rows} issues, quick options), wall`, u.trainMs / 1000, 's'));
    figures.push(figure('fixture model, CPU time', u.trainCpuMs / 1000, 'CPU-s'));
    details.fixture = u;
  }
  notes.push(
    `trainModel: the repo with ${JSON.stringify(REPO_TRAIN_OPTIONS)} (a repo model's defaults), the universal model with its options ${JSON.stringify(UNIVERSAL_TRAIN_OPTIONS)} (scripts/universal-options.ts; options chosen by leave-one-repo-out, then the final fit); export and writing excluded. The trainer is single-threaded, so CPU time is the figure least disturbed by other load.`,
  );
  if (ctx.quick)
    notes.push(
      `--quick trains on the fixture with ${JSON.stringify(QUICK_TRAIN_OPTIONS)}; not comparable with the targets.`,
    );
  return { part: 'training', title: '6. Training time', status: statusOf(figures), figures, notes, details };
}
