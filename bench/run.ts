/**
 * `npm run bench [-- --quick] [-- --json] [-- --only inference,lambda] [-- --quality full|quick|skip]`
 *
 * Runs the benchmark parts one after another in this process (the cold start and the quality CV spawn their own),
 * prints a Markdown table per part and writes bench/results/<part>[.quick].json plus latest[.quick].json.
 * --quick is the CI smoke pass: the committed fixture, few repetitions, no timing assertions anywhere. The exit code
 * is non-zero only when a part throws (a broken harness or component), never because a figure misses its target.
 * --json prints one JSON object on stdout; tables and progress then go to stderr.
 */
import './lib/env';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadBenchData, REPO_ROOT } from './lib/data';
import type { BenchContext } from './lib/context';
import { describeMachine, machineInfo } from './lib/machine';
import {
  committedUniversal,
  QUICK_TRAIN_OPTIONS,
  trainToDir,
  UNIVERSAL_TRAIN_OPTIONS,
  type BenchModel,
} from './lib/model';
import { notMeasured, partMarkdown, writePartReport, type PartReport, type PartResult } from './lib/result';
import { runInference } from './parts/inference';
import { runQuality } from './parts/quality';
import { runTraining } from './parts/training';
import { parseFlags, type CliFlags } from './lib/flags';

export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

let qualityMode: CliFlags['quality'] = 'full';

export type Part = { name: string; title: string; run: (ctx: BenchContext) => Promise<PartResult> };

async function lazy(
  load: () => Promise<{ default?: unknown } & Record<string, unknown>>,
  fn: string,
  ctx: BenchContext,
): Promise<PartResult> {
  const mod = await load();
  return (mod[fn] as (c: BenchContext) => Promise<PartResult>)(ctx);
}

export const PARTS: Part[] = [
  { name: 'inference', title: '1. Inference throughput (same texts, single thread)', run: runInference },
  {
    name: 'quality',
    title: '2. Quality side by side (CV F1, ours vs fastText)',
    run: (c) => runQuality(c, qualityMode),
  },
  // Loaded on demand: they pull in Probot, gRPC and the stand-ins.
  {
    name: 'lambda',
    title: '3. Lambda: cold start, warm latency, package size',
    run: (c) => lazy(() => import('./parts/lambda'), 'runLambda', c),
  },
  {
    name: 'worker',
    title: '4. Worker throughput and GitHub calls per issue',
    run: (c) => lazy(() => import('./parts/worker'), 'runWorker', c),
  },
  {
    name: 'e2e',
    title: '5. End to end on the local stack',
    run: (c) => lazy(() => import('./parts/e2e'), 'runE2E', c),
  },
  { name: 'training', title: '6. Training time', run: runTraining },
];

/**
 * --json: the components log with pino straight to fd 1, so the parts run in a child whose stdout goes to our
 * stderr; the child writes bench/results/latest[.quick].json, which we then print as the one line on stdout.
 */
async function runForJson(flags: CliFlags): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--json');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`bench child exited with ${code}`);
  const file = join(RESULTS_DIR, `latest${flags.quick ? '.quick' : ''}.json`);
  process.stdout.write(JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))) + '\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.json) return runForJson(flags);
  qualityMode = flags.quality;
  const out = (s: string) => process.stdout.write(s + '\n');
  const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const machine = machineInfo();
  const mode = flags.quick ? 'quick' : 'full';
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  out(`# label-bot bench (${mode})\n\n${describeMachine(machine)}\n\nCommand: \`${command}\`\n`);

  const data = loadBenchData(flags.quick);
  log(`data: ${data.source} (${data.rows.length} rows)`);
  let model: Promise<BenchModel> | null = null;
  const getModel = () =>
    (model ??= (async () => {
      const committed = data.source === 'shared' ? committedUniversal(data.rows) : null;
      if (committed) return committed;
      const name = data.source === 'shared' ? 'bench-universal' : 'bench-fixture';
      log(
        `training the bench model "${name}" on ${data.rows.length} rows (models/universal is not usable for these rows)`,
      );
      const t = trainToDir(data.rows, name, flags.quick ? QUICK_TRAIN_OPTIONS : UNIVERSAL_TRAIN_OPTIONS);
      return { dir: t.dir, name, rows: t.rows, origin: 'trained' as const };
    })());
  const ctx: BenchContext = { quick: flags.quick, githubLatencyMs: flags.githubLatencyMs, data, model: getModel, log };

  const reports: PartReport[] = [];
  const failed: string[] = [];
  for (const part of PARTS) {
    if (flags.only && !flags.only.includes(part.name)) continue;
    const started = performance.now();
    let result: PartResult;
    try {
      result = await part.run(ctx);
    } catch (err) {
      // One broken part must not hide the others' figures.
      const message = (err as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(err);
      log(`${part.name} failed: ${message}`);
      failed.push(part.name);
      result = {
        part: part.name,
        title: part.title,
        status: 'not-measured',
        figures: [notMeasured(part.title, '', `the part failed: ${(err as Error).message}`)],
        notes: [],
      };
    }
    const report: PartReport = {
      schema: 'label-bot-bench/1',
      mode,
      command,
      machine,
      durationMs: performance.now() - started,
      ...result,
    };
    reports.push(report);
    writePartReport(RESULTS_DIR, report);
    out(partMarkdown(report));
  }
  const all = { schema: 'label-bot-bench/1', mode, command, machine, parts: reports };
  writeFileSync(join(RESULTS_DIR, `latest${flags.quick ? '.quick' : ''}.json`), JSON.stringify(all, null, 2) + '\n');
  // A part that threw means the harness (or the code it drives) is broken: fail, after writing what was measured.
  // A figure that is merely "not measured" (peer absent, script missing) is not a failure.
  if (failed.length) throw new Error(`part(s) failed: ${failed.join(', ')}`);
}

main().then(
  // gRPC channels and keep-alive sockets of the measured clients would keep the loop alive.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
