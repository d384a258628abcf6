/**
 * The worker as shipped, as a pod runs it: its production entry (gcp-worker/src/main.ts) in a child `node` process,
 * configured only through the environment, as the ConfigMap does (no WORKER_CONCURRENCY: the production default),
 * pointed at the bench's stand-ins. Results come from its `message handled` log lines on stdout, as an operator
 * reads them; its CPU time from /proc (every thread of the process: onnxruntime's, libuv's, the loader's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../lib/data';

export interface PodResult {
  outcome: string;
  githubCalls?: number;
  latencyMs: number;
}

export interface WorkerPod {
  /** The concurrency the worker logged at start (its settings as parsed). */
  concurrency: number;
  onResult(listener: (r: PodResult) => void): void;
  /** CPU seconds the process has used so far (user + system). */
  cpuSeconds(): number;
  /** SIGTERM, as kubelet sends it; resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface PodEnv {
  appId: string;
  privateKey: string;
  githubUrl: string;
  pubsubHost: string;
  projectId: string;
  subscription: string;
  bucket: string;
  gcsEndpoint: string;
}

const CLOCK_TICKS_PER_SECOND = 100;

function cpuSecondsOf(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the `(comm)` field.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export async function startWorkerPod(env: PodEnv, startTimeoutMs = 120_000): Promise<WorkerPod> {
  const child: ChildProcess = spawn(
    process.execPath,
    // BENCH_WORKER_NODE_ARGS: extra node flags for the worker (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
    [
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      join(REPO_ROOT, 'gcp-worker', 'src', 'main.ts'),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        METADATA_SERVER_DETECTION: 'none',
        APP_ID: env.appId,
        PRIVATE_KEY: env.privateKey,
        GITHUB_API_URL: env.githubUrl,
        PUBSUB_EMULATOR_HOST: env.pubsubHost,
        GOOGLE_CLOUD_PROJECT: env.projectId,
        PUBSUB_SUBSCRIPTION: env.subscription,
        LABEL_BOT_BUCKET: env.bucket,
        STORAGE_API_ENDPOINT: env.gcsEndpoint,
        STORAGE_EMULATOR_HOST: env.gcsEndpoint,
        WORKER_HTTP_PORT: '0',
        WORKER_HTTP_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const listeners: ((r: PodResult) => void)[] = [];
  const tail: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const keep = (text: string) => {
    tail.push(text);
    if (tail.length > 20) tail.shift();
  };
  child.stderr!.on('data', (d: Buffer) => keep(d.toString()));
  const started = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start: ${tail.join('').slice(-600)}`)),
      startTimeoutMs,
    );
    void exit.then(() => reject(new Error(`worker exited at start: ${tail.join('').slice(-600)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as {
        msg?: string;
        level?: number;
        concurrency?: number;
        outcome?: string;
        github_calls?: number;
        latency_ms?: number;
      };
      if (entry.level !== undefined && entry.level >= 40) keep(line.slice(0, 300));
      if (entry.msg === 'worker started') {
        clearTimeout(timer);
        resolve(entry.concurrency ?? Number.NaN);
      } else if (entry.msg === 'message handled') {
        const r: PodResult = {
          outcome: entry.outcome ?? 'unknown',
          latencyMs: entry.latency_ms ?? Number.NaN,
          ...(entry.github_calls !== undefined ? { githubCalls: entry.github_calls } : {}),
        };
        for (const l of listeners) l(r);
      }
    });
  });
  let concurrency: number;
  try {
    concurrency = await started;
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw err;
  }
  return {
    concurrency,
    onResult: (l) => void listeners.push(l),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}
