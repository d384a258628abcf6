/**
 * Part 4's figures from its measured runs (bench/parts/worker-run.ts). Pure, so test/bench checks the names and the
 * arithmetic without running a worker.
 */
import { GITHUB_CONTENT_WRITES_PER_HOUR, GITHUB_CONTENT_WRITES_PER_MINUTE } from '../../src/github/throttle';
import { figure, notMeasured, type Figure, type Target } from '../lib/result';
import { median, perSecond } from '../lib/stats';
import type { RunFigures } from './worker-run';

export interface WorkerRuns {
  githubLatencyMs: number;
  /** Throttle off, one installation, at concurrency 1, 4, 16: what the worker's own code costs. */
  throttleOff: RunFigures[];
  /** As shipped (createOctokitFactory as main.ts, production concurrency), all issues in one installation. */
  oneInstallation: RunFigures | null;
  /** As shipped, issues round-robin over 50 installations. */
  fiftyInstallations: RunFigures | null;
}

export const FIGURE = {
  callsShipped: 'GitHub calls per labeled issue, worker as shipped',
  oneInstallation: 'worker as shipped: issues/s, one installation',
  oneInstallationAfterBurst: 'worker as shipped: issues/s, one installation, after its burst budget',
  fiftyInstallations: 'worker as shipped: issues/s, 50 installations',
  fiftyInstallationsCpu: 'worker as shipped: issues per CPU-second of the worker process, 50 installations',
  callsOff: 'GitHub API calls per labeled issue (median, stand-in counters)',
} as const;

const PER_POD: Target = { op: '>=', value: 200 };

/** Median of the values a histogram (value → count) holds. */
export function histogramMedian(histograms: readonly Record<string, number>[]): number {
  const xs: number[] = [];
  for (const h of histograms) for (const [v, c] of Object.entries(h)) for (let i = 0; i < c; i++) xs.push(Number(v));
  return median(xs);
}

/**
 * Issues per second once the burst budget is spent: from the message handled right after the first
 * `burst` to the last. null when the run was too small to spend it.
 */
export function afterBurstRate(run: RunFigures, burst: number): number | null {
  const t = run.handledAtMs;
  if (t.length < burst + 10) return null;
  return perSecond(t.length - burst, t[t.length - 1]! - t[burst - 1]!);
}

function runNote(r: RunFigures): string {
  return `${r.issues} issues over ${r.installations} installation(s), concurrency ${r.concurrency}; latency p50 ${r.latency.p50.toFixed(0)} ms, p99 ${r.latency.p99.toFixed(0)} ms; ${r.outcomes.labeledOnGitHub ?? 0} labeled`;
}

export function workerFigures(runs: WorkerRuns): { figures: Figure[]; notes: string[] } {
  const { oneInstallation: one, fiftyInstallations: fifty } = runs;
  const latency = `GitHub at ${runs.githubLatencyMs} ms per call`;
  const figures: Figure[] = [];
  const shipped = [one, fifty].filter((r): r is RunFigures => r !== null);
  const calls = histogramMedian(shipped.map((r) => r.githubCallsHistogram));
  figures.push(
    shipped.length
      ? figure(FIGURE.callsShipped, calls, 'calls', {
          target: { op: '<=', value: 2 },
          note: `max ${Math.max(...shipped.map((r) => r.githubCallsMax))}; ${Object.entries(
            shipped[0]!.githubCallsByEndpoint,
          )
            .map(([e, c]) => `${e} ×${c.toFixed(2)}`)
            .join('; ')}; per issue, so the per-installation token call is not included`,
        })
      : notMeasured(FIGURE.callsShipped, 'calls', 'no as-shipped run', { op: '<=', value: 2 }),
  );
  figures.push(
    one
      ? figure(FIGURE.oneInstallation, one.issuesPerSecond, 'issues/s', {
          target: { op: '>=', value: 1 },
          note: `${runNote(one)}; ${latency}; first publish to last handled`,
        })
      : notMeasured(FIGURE.oneInstallation, 'issues/s', 'no run', { op: '>=', value: 1 }),
  );
  // The warm-up message of the installation already took one write from the budget.
  const burst = GITHUB_CONTENT_WRITES_PER_MINUTE - 1;
  const after = one ? afterBurstRate(one, burst) : null;
  figures.push(
    after !== null
      ? figure(FIGURE.oneInstallationAfterBurst, after, 'issues/s', {
          target: { op: '>=', value: 1 },
          note: `messages ${burst + 1}–${one!.issues}; the budget refills at ${GITHUB_CONTENT_WRITES_PER_MINUTE}/min = ${(GITHUB_CONTENT_WRITES_PER_MINUTE / 60).toFixed(2)} writes/s`,
        })
      : notMeasured(
          FIGURE.oneInstallationAfterBurst,
          'issues/s',
          `the run had fewer than ${burst + 10} issues (--quick)`,
          { op: '>=', value: 1 },
        ),
  );
  figures.push(
    fifty
      ? figure(FIGURE.fiftyInstallations, fifty.issuesPerSecond, 'issues/s', {
          target: PER_POD,
          note: `${runNote(fifty)}; ${latency}; the bench process (stand-ins, Pub/Sub fake) used ${(fifty.cpuMs / fifty.issues).toFixed(1)} ms of CPU per issue beside it`,
        })
      : notMeasured(FIGURE.fiftyInstallations, 'issues/s', 'no run', PER_POD),
  );
  figures.push(
    fifty
      ? figure(FIGURE.fiftyInstallationsCpu, perSecond(fifty.issues, fifty.workerCpuMs), 'issues/CPU-s', {
          target: PER_POD,
          note: `what one pod with a full core (the Deployment's limit is 1 CPU) could handle once its concurrency covers GitHub's latency; /proc CPU time of the worker process, all threads, during the run`,
        })
      : notMeasured(FIGURE.fiftyInstallationsCpu, 'issues/CPU-s', 'no run', PER_POD),
  );
  for (const r of runs.throttleOff) {
    figures.push(
      figure(`concurrency ${r.concurrency}: throughput (throttle off)`, r.issuesPerSecond, 'issues/s', {
        target: PER_POD,
        note: `${runNote(r)}; ${latency}`,
      }),
    );
  }
  for (const r of runs.throttleOff) {
    figures.push(
      figure(
        `concurrency ${r.concurrency}: issues per CPU-second of this process`,
        perSecond(r.issues, r.cpuMs),
        'issues/CPU-s',
        { note: 'worker + stand-ins + Pub/Sub fake share the process; less disturbed by other load than wall time' },
      ),
    );
  }
  const off = runs.throttleOff;
  figures.push(
    off.length
      ? figure(FIGURE.callsOff, histogramMedian(off.map((r) => r.githubCallsHistogram)), 'calls', {
          target: { op: '<=', value: 2 },
          note: `throttle-off runs; max ${Math.max(...off.map((r) => r.githubCallsMax))}`,
        })
      : notMeasured(FIGURE.callsOff, 'calls', 'no throttle-off run', { op: '<=', value: 2 }),
  );
  const notes = [
    `As shipped: the worker's production entry, gcp-worker/src/main.ts, in its own \`node\` process (NODE_ENV=production, LOG_LEVEL=info, settings from the environment with only endpoints, bucket and subscription set, so WORKER_CONCURRENCY and the 10 ms ack batching are the defaults); its Octokit factory is createOctokitFactory with no overrides: ProbotOctokit's retry and throttling plugins, whose limiters are the per-installation budget of src/github/throttle.ts (at most 50 requests in flight per installation, content-creating requests from a burst budget of ${GITHUB_CONTENT_WRITES_PER_MINUTE}/min and ${GITHUB_CONTENT_WRITES_PER_HOUR}/h per installation, GitHub's published secondary limits). Results come from its \`message handled\` log lines. Throttle off: startWorker in the bench process, the same factory with Octokit's throttling plugin disabled, concurrency as named.`,
    `The GitHub stand-in answers every call, installation-token requests included, after ${runs.githubLatencyMs} ms (--github-latency-ms). Each repo is in its own org, so its own installation; every repo already has the model's labels, as a live repo does. Before the clock starts, one warm-up message per repo loads the model, reads its model pointers and fetches its installation's token; then all N messages are published at once. Throughput = N / (first publish → N-th handled message).`,
    `One installation: GitHub allows ${GITHUB_CONTENT_WRITES_PER_MINUTE} content-creating requests per minute and ${GITHUB_CONTENT_WRITES_PER_HOUR} per hour per installation, and a labeling is one of them. So one installation's first ${GITHUB_CONTENT_WRITES_PER_MINUTE} issues go out at once, the next ones at ${(GITHUB_CONTENT_WRITES_PER_MINUTE / 60).toFixed(2)}/s, and past ${GITHUB_CONTENT_WRITES_PER_HOUR} in an hour at ${(GITHUB_CONTENT_WRITES_PER_HOUR / 3600).toFixed(2)}/s: the figure depends on N by design; the "after its burst budget" figure is the sustained rate within the hour.`,
    'The Pub/Sub fake (gRPC), the GCS stand-in and the GitHub stand-in run in the bench process on loopback, on the same cores as the worker; the throttle-off runs also share that process with the worker. Wall-clock figures therefore drop with any other load on the machine; the CPU-second figures much less.',
  ];
  return { figures, notes };
}
