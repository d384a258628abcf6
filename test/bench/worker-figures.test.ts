/**
 * Part 4's figures from made-up runs: the names issue #15 asks for are in the part's JSON, and the arithmetic behind
 * them (calls per issue, the rate after the burst budget). The harness only: no worker runs, no timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import { afterBurstRate, histogramMedian, workerFigures, type WorkerRuns } from '../../bench/parts/worker-figures';
import type { RunFigures } from '../../bench/parts/worker-run';
import { isPartReport, statusOf, type PartReport } from '../../bench/lib/result';
import { machineInfo } from '../../bench/lib/machine';
import { summarize } from '../../bench/lib/stats';

function run(over: Partial<RunFigures>): RunFigures {
  const issues = over.issues ?? 10;
  return {
    concurrency: 64,
    throttled: true,
    installations: 1,
    issues,
    ms: 1000,
    issuesPerSecond: issues,
    handledAtMs: Array.from({ length: issues }, (_, i) => (i + 1) * 10),
    latency: summarize([100, 110, 120]),
    outcomes: { labeled: issues, labeledOnGitHub: issues },
    githubCallsPerIssue: 2,
    githubCallsMax: 2,
    githubCallsHistogram: { 2: issues },
    githubCallsByEndpoint: { 'POST graphql:LabelBotIssueState': 1, 'POST graphql:LabelBotApplyDecision': 1 },
    cpuMs: 100,
    workerCpuMs: 50,
    process: 'gcp-worker/src/main.ts in its own process',
    ...over,
  };
}

const SHIPPED_NAMES = [
  'GitHub calls per labeled issue, worker as shipped',
  'worker as shipped: issues/s, one installation',
  'worker as shipped: issues/s, 50 installations',
];

function report(runs: WorkerRuns): PartReport {
  const { figures, notes } = workerFigures(runs);
  return {
    schema: 'label-bot-bench/1',
    mode: 'quick',
    command: 'npm run bench -- --quick --only worker',
    machine: machineInfo(new Date('2026-01-01T00:00:00Z')),
    durationMs: 1,
    part: 'worker',
    title: '4. Worker throughput and GitHub calls per issue',
    status: statusOf(figures),
    figures,
    notes,
  };
}

describe('worker part figures', () => {
  const throttleOff = [1, 4, 16].map((c) => run({ concurrency: c, throttled: false, issues: 10 }));

  it('names the as-shipped figures exactly, beside the throttle-off ones, in JSON that passes the shape check', () => {
    const r = report({
      githubLatencyMs: 50,
      throttleOff,
      oneInstallation: run({ issues: 200, ms: 90_000, issuesPerSecond: 200 / 90 }),
      fiftyInstallations: run({ issues: 2000, installations: 50, ms: 10_000, issuesPerSecond: 200, workerCpuMs: 8000 }),
    });
    const back = JSON.parse(JSON.stringify(r)) as PartReport;
    expect(isPartReport(back)).toBe(true);
    const names = back.figures.map((f) => f.name);
    for (const name of SHIPPED_NAMES) expect(names).toContain(name);
    expect(names).toContain('concurrency 1: throughput (throttle off)');
    expect(names).toContain('concurrency 16: throughput (throttle off)');
    const byName = Object.fromEntries(back.figures.map((f) => [f.name, f]));
    expect(byName['GitHub calls per labeled issue, worker as shipped']).toMatchObject({
      value: 2,
      target: { op: '<=', value: 2 },
    });
    expect(byName['worker as shipped: issues/s, one installation']!.target).toEqual({ op: '>=', value: 1 });
    expect(byName['worker as shipped: issues/s, 50 installations']).toMatchObject({
      value: 200,
      target: { op: '>=', value: 200 },
    });
    expect(byName['worker as shipped: issues per CPU-second of the worker process, 50 installations']!.value).toBe(250);
    expect(back.notes.join(' ')).toMatch(/--github-latency-ms/);
  });

  it('still names every figure when a run is missing or too small (--quick), saying why', () => {
    const r = report({
      githubLatencyMs: 0,
      throttleOff: [],
      oneInstallation: run({ issues: 10 }),
      fiftyInstallations: null,
    });
    const byName = Object.fromEntries(r.figures.map((f) => [f.name, f]));
    for (const name of SHIPPED_NAMES) expect(byName[name]).toBeDefined();
    expect(byName['worker as shipped: issues/s, 50 installations']!.value).toBeNull();
    expect(byName['worker as shipped: issues/s, one installation, after its burst budget']!.note).toMatch(
      /not measured/,
    );
  });

  it('takes the median calls over every labeled issue and the rate after the burst from the handling times', () => {
    expect(histogramMedian([{ 2: 3 }, { 3: 1 }])).toBe(2);
    expect(histogramMedian([{ 1: 1 }, { 3: 1 }])).toBe(2);
    expect(histogramMedian([])).toBeNaN();
    // 100 messages: the first 79 at once, then one every 750 ms (80 per minute).
    const handledAtMs = Array.from({ length: 100 }, (_, i) => (i < 79 ? 10 : 10 + (i - 78) * 750));
    expect(afterBurstRate(run({ issues: 100, handledAtMs }), 79)).toBeCloseTo(4 / 3, 6);
    expect(afterBurstRate(run({ issues: 20 }), 79)).toBeNull();
  });
});
