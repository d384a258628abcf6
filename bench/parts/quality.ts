/**
 * Part 2 — quality side by side (CV F1, ours vs fastText, same folds, same run). The measurement is the ML core's
 * bench/quality.ts; this part calls its `runQuality` in this process and turns its rows into figures.
 * Its own --quick pass takes minutes (fastText in WebAssembly trains slowly), so `npm run bench -- --quick` only
 * checks that the module loads and exports what we call; `--quality quick` runs its quick pass in a full run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { REPO_ROOT, sharedDataAvailable } from '../lib/data';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';

export const QUALITY_SCRIPT = join(REPO_ROOT, 'bench', 'quality.ts');
const TITLE = '2. Quality side by side (CV F1, ours vs fastText)';

/** The row shape bench/quality.ts returns (kept structural so the part compiles before the script exists). */
export interface QualityRowLike {
  dataset: string;
  protocol: string;
  system: string;
  score: number;
  macroF1?: number;
  accuracy?: number;
  seconds?: number;
}

interface QualityModule {
  runQuality(opts: { quick?: boolean; log?: (m: string) => void }): Promise<QualityRowLike[]>;
}

/** ours = label-bot's row, peers = fastText's (untuned and tuned); a figure per row plus, per data set and peer, ours − that peer. */
export function qualityFigures(rows: readonly QualityRowLike[]): Figure[] {
  const figures: Figure[] = [];
  const isPeer = (r: QualityRowLike) => /fasttext/i.test(r.system);
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  for (const ds of datasets) {
    const of = rows.filter((r) => r.dataset === ds);
    for (const r of of) {
      const extra = [
        r.protocol,
        r.accuracy !== undefined ? `accuracy ${r.accuracy.toFixed(3)}` : '',
        r.seconds !== undefined ? `${r.seconds.toFixed(0)} s train+predict` : '',
      ]
        .filter(Boolean)
        .join('; ');
      figures.push(
        figure(`${ds} · ${isPeer(r) ? 'fastText' : 'label-bot'} (${r.system})`, r.score, 'F1', { note: extra }),
      );
    }
    const ours = of.find((r) => !isPeer(r));
    const peers = of.filter(isPeer);
    for (const peer of ours ? peers : []) {
      const which = peers.length > 1 ? ` (${peer.system})` : '';
      figures.push(
        figure(`${ds} · label-bot − fastText${which}`, ours!.score - peer.score, 'F1', {
          note: 'same folds, same run',
        }),
      );
    }
  }
  return figures;
}

export async function runQuality(ctx: BenchContext, mode: 'full' | 'quick' | 'skip'): Promise<PartResult> {
  if (!existsSync(QUALITY_SCRIPT)) {
    return {
      part: 'quality',
      title: TITLE,
      status: 'not-measured',
      figures: [
        notMeasured('CV macro F1, ours vs fastText', 'F1', 'bench/quality.ts (ML core) is not in the tree yet'),
      ],
      notes: [],
    };
  }
  const mod = (await import(QUALITY_SCRIPT)) as Partial<QualityModule>;
  if (typeof mod.runQuality !== 'function') throw new Error('bench/quality.ts does not export runQuality(opts)');
  if (mode === 'skip' || !sharedDataAvailable()) {
    const reason = !sharedDataAvailable()
      ? 'shared data missing (../shared/data)'
      : 'skipped in --quick: bench/quality.ts --quick alone takes minutes; module loaded and runQuality found';
    return {
      part: 'quality',
      title: TITLE,
      status: 'not-measured',
      figures: [notMeasured('CV macro F1, ours vs fastText', 'F1', reason)],
      notes: [],
    };
  }
  ctx.log(`quality: bench/quality.ts runQuality({ quick: ${mode === 'quick'} })`);
  const rows = await mod.runQuality({ quick: mode === 'quick', log: (m) => ctx.log(`quality: ${m}`) });
  const figures = qualityFigures(rows);
  return {
    part: 'quality',
    title: TITLE,
    status: statusOf(figures),
    figures,
    notes: [
      `Measured by bench/quality.ts (ML core) in its ${mode} mode, called in this process; score = the data set's headline figure (macro-F1, or the mean over repos of per-repo macro-F1).`,
    ],
    details: { rows },
  };
}
