/**
 * Part 4 — the worker's throughput and GitHub calls per issue, with GitHub answering after --github-latency-ms:
 * - as shipped (gcp-worker/src/main.ts in its own process: its Octokit factory, the per-installation write budget of
 *   src/github/throttle.ts, its default settings), many issues of one installation at once, and issues spread over
 *   50 installations;
 * - the same worker with Octokit's throttle off, in this process, at concurrency 1, 4 and 16 (one installation), to
 *   show what the code itself costs.
 * How a run is measured: bench/parts/worker-run.ts; the figures: bench/parts/worker-figures.ts.
 */
import type { BenchContext } from '../lib/context';
import { statusOf, type PartResult } from '../lib/result';
import { workerFigures, type WorkerRuns } from './worker-figures';
import { openWorker, reposOf, runWorkerOnce, startWorkerEnv, type RunFigures } from './worker-run';

export async function runWorker(ctx: BenchContext): Promise<PartResult> {
  const concurrencies = [1, 4, 16];
  // --quick runs in CI: a handful of issues per run, the budget never binds.
  const n = ctx.quick ? 10 : 500;
  // Past the 80-write burst, so the budget's refill rate shows (~90 s at 80/min).
  const oneInstallationN = ctx.quick ? 10 : 200;
  const fiftyN = ctx.quick ? 50 : 2000;
  const env = await startWorkerEnv(ctx);
  try {
    const single = ['acme/worker'];
    const fifty = reposOf('org', 50);
    const throttleOff: RunFigures[] = [];
    for (const c of concurrencies) {
      ctx.log(`worker: concurrency ${c}, ${n} issues, one installation (throttle off)`);
      throttleOff.push(await runWorkerOnce(ctx, env, { concurrency: c, issues: n, throttled: false, repos: single }));
    }
    // One worker process for both as-shipped runs: its start-up is paid once (--quick runs in CI), and the two runs
    // use different installations, so neither spends the other's budget.
    const pod = await openWorker(env, { throttled: true });
    let oneInstallation: RunFigures;
    let fiftyInstallations: RunFigures;
    try {
      ctx.log(
        `worker as shipped (concurrency ${pod.worker.concurrency}): ${oneInstallationN} issues, one installation`,
      );
      oneInstallation = await runWorkerOnce(
        ctx,
        env,
        { issues: oneInstallationN, throttled: true, repos: ['solo/issues'] },
        pod,
      );
      ctx.log(`worker as shipped: ${fiftyN} issues over 50 installations`);
      fiftyInstallations = await runWorkerOnce(ctx, env, { issues: fiftyN, throttled: true, repos: fifty }, pod);
    } finally {
      await pod.close();
    }
    const runs: WorkerRuns = {
      githubLatencyMs: ctx.githubLatencyMs,
      throttleOff,
      oneInstallation,
      fiftyInstallations,
    };
    const { figures, notes } = workerFigures(runs);
    const model = await ctx.model();
    notes.push(`Model "${model.name}", published to GCS as the universal model; every repo resolves to it.`);
    // Per-message timestamps are too long for the JSON; the summaries stay.
    const strip = (r: RunFigures | null) => r && { ...r, handledAtMs: undefined };
    return {
      part: 'worker',
      title: '4. Worker throughput and GitHub calls per issue',
      status: statusOf(figures),
      figures,
      notes,
      details: {
        throttleOff: throttleOff.map(strip),
        oneInstallation: strip(oneInstallation),
        fiftyInstallations: strip(fiftyInstallations),
      },
    };
  } finally {
    await env.close();
  }
}
