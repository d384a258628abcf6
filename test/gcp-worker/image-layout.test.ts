/**
 * The worker image's contents, built and started for real (issue #17 item 5). No Docker here, so this test replays
 * gcp-worker/Dockerfile in a temporary folder (dockerfile-replay.ts: its RUN commands, COPY list, WORKDIR and ENV,
 * paths mapped), which gives the runtime stage's /app: production dependencies from `npm ci --omit=dev` with
 * onnxruntime trimmed to linux-x64, the esbuild bundles of the worker and the CLI, package.json and models/universal.
 * From that folder (cwd there, no NODE_PATH, HOME elsewhere, nothing from the repo's node_modules resolvable) it then
 * starts the image's CMD against the Pub/Sub fake, the GCS stand-in (empty bucket: the bundled model serves) and the
 * GitHub stand-in, checks /readyz and one labeled issue, and runs the retrain CronJob's command line from the same
 * layout. The layout is assembled once per run of this file and deleted afterwards.
 *
 * The npm install takes 30–120 s (registry reachable, cache warm after the repo's own `npm ci`); without a registry
 * the suite is skipped with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import {
  hostPath,
  mappedEnv,
  parseDockerfile,
  removeReplay,
  replayDockerfile,
  RunFailed,
  type RunStep,
  type StageState,
} from './dockerfile-replay';
import { forwardedIssue, lineCollector, waitUntil, workerProcessEnv } from './harness';

const ROOT = resolve(__dirname, '../..');
const DOCKERFILE = join(ROOT, 'gcp-worker/Dockerfile');
const PROJECT = 'label-bot-test';
const BUCKET = 'image-layout-models';
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|offline|ENOTCACHED/i;

/**
 * The commands the Dockerfile's RUN lines may contain, and how each runs here. Anything else fails the test with the
 * command named, so a new step in the Dockerfile is either replayed here or noticed.
 */
function replayRun(command: string): RunStep {
  if (/^npm ci\b/.test(command) && /--omit=dev\b/.test(command))
    return { kind: 'shell', command: `${command} --prefer-offline`, why: 'the warm npm cache' };
  if (/^npm ci\b/.test(command))
    return {
      kind: 'link-node-modules',
      why: "the build stage's full install = the repo's own npm ci of the same lockfile; it only feeds esbuild",
    };
  if (/^npx esbuild \S+\.ts --bundle /.test(command)) return { kind: 'shell', command };
  if (/^find node_modules\/onnxruntime-node\/bin .* -exec rm -rf \{\} \+$/.test(command))
    return { kind: 'shell', command };
  if (command === 'npm cache clean --force')
    return {
      kind: 'skip',
      why: "it would empty this machine's shared npm cache; in the image it only shrinks a layer",
    };
  throw new Error(`the Dockerfile runs "${command}", which image-layout.test.ts cannot replay: teach replayRun`);
}

/**
 * Environment for replayed RUN steps: this machine's PATH and npm's cache, registry, proxy and TLS settings. Every
 * other npm_* variable is dropped: under `npm test` npm exports its own (npm_config_local_prefix = the repo, …), and
 * the install must happen in the stage folder, never in the repo's node_modules.
 */
const NPM_SETTINGS =
  /^npm_config_(registry|cache|userconfig|globalconfig|cafile|noproxy|proxy|https_proxy|strict_ssl|fetch_\w+)$/;
function hostEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_PATH' || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    if (/^npm_/i.test(k) && !NPM_SETTINGS.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** A node_modules in a folder above `dir` would let the layout resolve packages it does not contain. */
function ancestorNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d))
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
  if (existsSync('/node_modules')) found.push('/node_modules');
  return found;
}

let out = '';
let stages: StageState[] = [];
let image: StageState | undefined;
let skipReason = '';
const steps: string[] = [];

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'lb-image-'));
  const leaks = ancestorNodeModules(out);
  if (leaks.length > 0) throw new Error(`${leaks.join(', ')} would be visible to the layout: set TMPDIR elsewhere`);
  const started = Date.now();
  try {
    stages = replayDockerfile({
      dockerfile: DOCKERFILE,
      context: ROOT,
      out,
      replayRun,
      hostEnv: hostEnv(),
      log: (l) => steps.push(l),
    });
    image = stages.at(-1);
  } catch (err) {
    if (err instanceof RunFailed && /^npm ci\b/.test(err.command) && NETWORK_ERROR.test(err.output)) {
      skipReason = `npm registry unreachable, cannot install the image's production dependencies: ${
        err.output.split('\n').find((l) => NETWORK_ERROR.test(l)) ?? err.message
      }`;
      console.warn(`image-layout.test.ts SKIPPED: ${skipReason}`);
      return;
    }
    throw err;
  }
  if (process.env.DEBUG_IMAGE_LAYOUT) console.error(`${steps.join('\n')}\nassembled in ${Date.now() - started} ms`);
}, 600_000);
// About 20,000 files: on a loaded 2-core box deleting them takes longer than the default hook timeout.
afterAll(async () => {
  if (out) await removeReplay(out, stages);
}, 300_000);

/** The runtime stage's /app on this machine. */
const app = (): string => hostPath(image!, '.');

describe('Dockerfile replay', () => {
  it('replays exactly the Dockerfile: every RUN command is known, nothing else is run', () => {
    const runs = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'))
      .flatMap((s) => s.instructions.filter((i) => i.op === 'RUN'))
      .flatMap((i) => i.args.split(' && '));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const r of runs) expect(() => replayRun(r.trim()), r).not.toThrow();
    // Both bundles, the onnxruntime trimming and the production install are among them.
    expect(runs.filter((r) => r.startsWith('npx esbuild ')).map((r) => /--outfile=(\S+)/.exec(r)?.[1])).toEqual([
      'dist/worker.mjs',
      'dist/label-bot.mjs',
    ]);
    expect(runs.filter((r) => /^find node_modules\/onnxruntime-node/.test(r))).toHaveLength(2);
    expect(() => replayRun('apt-get install -y curl')).toThrow(/cannot replay/);
  });
});

describe('the runtime stage, assembled from the Dockerfile', () => {
  it('holds the bundles, package.json, the universal model and production dependencies only', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(image!.cmd).toEqual(['node', '--enable-source-maps', 'dist/worker.mjs']);
    expect(image!.user).toBe('node');
    for (const f of ['dist/worker.mjs', 'dist/label-bot.mjs', 'package.json', 'models/universal/model.json'])
      expect(existsSync(join(app(), f)), f).toBe(true);
    const nm = join(app(), 'node_modules');
    for (const dev of ['vitest', 'esbuild', 'typescript', 'tsx', 'nock', 'serverless', 'eslint'])
      expect(existsSync(join(nm, dev)), `devDependency ${dev} in the image`).toBe(false);
    for (const dep of ['onnxruntime-node', 'probot', '@google-cloud/pubsub', 'vega', 'commander'])
      expect(existsSync(join(nm, dep)), dep).toBe(true);
    // The CLI's lazy imports (plots: `report --out`, `eval --report`) resolve from the layout alone.
    const lazy = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "await import('vega'); await import('vega-lite');"],
      {
        cwd: app(),
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      },
    );
    expect(lazy.status, lazy.stderr).toBe(0);
    // onnxruntime: only the linux-x64 binaries are left (bin/napi-v*/linux/x64).
    const bin = join(nm, 'onnxruntime-node/bin');
    for (const napi of readdirSync(bin)) {
      expect(readdirSync(join(bin, napi))).toEqual(['linux']);
      expect(readdirSync(join(bin, napi, 'linux'))).toEqual(['x64']);
    }
  });
});

describe('the image CMD from the layout, on the Pub/Sub, GCS and GitHub stand-ins', () => {
  let pubsub: PubSubFake;
  let gcs: GcsStandIn;
  let gh: GitHubStandIn;
  let client: PubSub;
  let child: ChildProcess | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    if (skipReason) return;
    pubsub = await startPubSubFake();
    gcs = await startGcsStandIn({ buckets: [BUCKET] }); // empty: the model baked into the image serves
    gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    client = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await client?.close();
    await pubsub?.stop();
    await gcs?.stop();
    await gh?.close();
  });

  it('answers /readyz and labels one forwarded issue with the bundled universal model', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const id = randomUUID().slice(0, 8);
    const [topic] = await client.createTopic(`issues-${id}`);
    const subscription = `worker-${id}`;
    await topic.createSubscription(subscription, { ackDeadlineSeconds: 10, enableMessageOrdering: true });
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', {
      number: 1,
      title: 'Segfault on startup after upgrade',
      body: 'The program crashes with segmentation fault. Stack trace below. This is a regression bug.',
      webhook: false,
    });
    const [node, ...args] = image!.cmd!;
    expect(node).toBe('node');
    child = spawn(process.execPath, args, {
      cwd: app(),
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(out, 'home-')),
        ...mappedEnv(image!), // NODE_ENV, BUNDLED_MODEL_DIR (→ the layout's models/universal), WORKER_HTTP_PORT
        ...workerProcessEnv({ subscription, bucket: BUCKET, pubsubHost: pubsub.host, gcsEndpoint: gcs.endpoint, gh }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', lineCollector(logs));
    child.stderr?.on('data', lineCollector(logs));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    try {
      await waitUntil(() => logs.some((l) => l.includes('"worker started"')) || child!.exitCode !== null, 60_000);
      const started = logs.find((l) => l.includes('"worker started"'));
      expect(started, logs.join('\n')).toBeDefined();
      const port = (JSON.parse(started!) as { http_port: number }).http_port;
      let ready = 0;
      for (let i = 0; i < 150 && ready !== 200; i++) {
        ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready, logs.join('\n')).toBe(200);

      const m = forwardedIssue('acme', 'widgets', 1, { installation_id: gh.installationId('acme') });
      await topic.publishMessage({
        json: m,
        attributes: { repo: 'acme/widgets', issue: '1', delivery_id: m.delivery_id },
      });
      await waitUntil(() => pubsub.acked(subscription).length > 0, 60_000, 'message acked');
      // The ack can reach the fake before the worker's log line reaches this process.
      await waitUntil(() => logs.some((l) => l.includes('"message handled"')), 30_000, 'handled log line');
      expect(gh.issue('acme/widgets', 1).labels, logs.join('\n')).toEqual(['bug']);
      expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
      const handled = logs.find((l) => l.includes('"message handled"'))!;
      expect(JSON.parse(handled)).toMatchObject({
        outcome: 'labeled',
        model_version: expect.stringMatching(/^universal@/),
      });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 180_000);
});

describe("the retrain CronJob's command line from the layout", () => {
  const cron = parse(readFileSync(join(ROOT, 'gcp-worker/k8s/base/cronjob.yaml'), 'utf8')) as {
    spec: {
      jobTemplate: { spec: { template: { spec: { containers: { command: string[]; workingDir: string }[] } } } };
    };
  };
  const container = cron.spec.jobTemplate.spec.template.spec.containers[0]!;

  /** The CronJob's argv with its last word (`retrain`) replaced, image paths mapped into the layout. */
  function cronjob(...last: string[]): { code: number | null; stdout: string; stderr: string } {
    const [node, ...args] = container.command;
    expect(node).toBe('node');
    expect(args.at(-1)).toBe('retrain');
    const argv = [...args.slice(0, -1), ...last].map((a) => (a.startsWith('/') ? hostPath(image!, a) : a));
    const cwd = mkdtempSync(join(out, 'workdir-')); // the pod's workingDir, an emptyDir
    expect(container.workingDir).toBe('/tmp');
    const r = spawnSync(process.execPath, argv, {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, ...mappedEnv(image!), METADATA_SERVER_DETECTION: 'none' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('`label-bot --version` prints the package version (package.json found from dist/, not the cwd)', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const r = cronjob('--version');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('`label-bot predict` loads the bundled model with onnxruntime (lazy imports resolve in the image)', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const r = cronjob('predict', '--model', '/app/models/universal', '--title', 'Segfault on startup after upgrade');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: expect.stringMatching(/^universal@/) });
  });

  it('`label-bot retrain --help`: the command the CronJob runs is in the bundle', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const r = cronjob('retrain', '--help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/retrain/);
  });
});
