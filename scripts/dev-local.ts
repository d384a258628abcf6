/**
 * `npm run dev:local`: the whole label-bot on this machine, against the GitHub stand-in — no GitHub App, AWS or GCP.
 *
 *   GitHub stand-in (in-process HTTP) ──signed webhooks──▶ Lambda handler (`serverless offline`, child process)
 *        ▲                                                        │ publish (real @google-cloud/pubsub)
 *        │ labels + comment                                       ▼
 *   worker (gcp-worker/src/main.ts, child process) ◀── Pub/Sub emulator (official if installed, else in-process fake)
 *        │ models (real @google-cloud/storage)
 *        ▼
 *   GCS stand-in (in-process HTTP): universal model + repo models
 *
 * `startLocalStack()` is also what `npm run demo` (scripts/demo.ts) drives.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { GcsModelStore, parseScope, publishModel } from '../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../test/support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../test/support/github-stand-in';
import { startPubSubEmulator } from '../test/support/pubsub-emulator';
import { startPubSubFake } from '../test/support/pubsub-fake';
import { freePort, startChild, stopChild, waitFor, type Child } from './local-processes';

// Everything is local: never probe the GCE metadata server for credentials or a project id.
process.env.METADATA_SERVER_DETECTION ??= 'none';

export const ROOT = resolve(import.meta.dirname, '..');
export const PROJECT = 'label-bot-local';
export const BUCKET = 'label-bot-local-models';
export const CONFIG_REPO = 'ops/label-bot-config';
export const OPERATOR = 'operator';

export interface LocalStackOptions {
  /** `auto`: the official emulator when installed, else the in-process fake. */
  pubsub?: 'auto' | 'emulator' | 'fake';
  /** Print child-process logs (prefixed) as they come. Otherwise they are kept for `logs()`. */
  streamLogs?: boolean;
  /** Universal model directory (default models/universal). */
  universalModelDir?: string;
  /** Extra models for the GCS stand-in, e.g. `{ scope: 'demo/widgets', dir }`. */
  models?: { scope: string; dir: string }[];
  /** Initial YAML of the config issue; rollout ratios are usually edited later. */
  configYaml?: string;
  log?: (line: string) => void;
}

export interface LocalStack {
  gh: GitHubStandIn;
  gcs: GcsStandIn;
  pubsubHost: string;
  pubsubKind: 'official emulator' | 'in-process fake';
  topic: string;
  subscription: string;
  /** A second subscription on the topic that nobody consumes: lets the demo see what was forwarded. */
  tapSubscription: string;
  webhookUrl: string;
  workerHealthUrl: string;
  lambdaMode: string;
  configIssue: { repo: string; number: number };
  /** Messages seen on the tap subscription so far: `owner/repo#n` → count. */
  forwarded: Map<string, number>;
  /** Publish a model directory to the GCS stand-in (moves the scope's pointer), e.g. one trained after start-up. */
  publishModel(scope: string, dir: string): Promise<void>;
  logs(): string[];
  stop(): Promise<void>;
}

export function configIssueBody(yaml: string): string {
  return [
    'Operator configuration of label-bot (see config-issue.md). Only the yaml block is read.',
    '',
    '```yaml',
    yaml.trim(),
    '```',
    '',
  ].join('\n');
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const say = opts.log ?? ((l: string) => console.log(l));
  const captured: string[] = [];
  const sink = (name: string, line: string) => {
    const text = `[${name}] ${line}`;
    captured.push(text);
    if (captured.length > 5000) captured.splice(0, captured.length - 5000);
    if (opts.streamLogs) console.log(text);
  };
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  // Children must not outlive us, even on an uncaught error.
  const children: Child[] = [];
  const killAll = () => {
    for (const c of children)
      if (c.proc.pid && c.proc.exitCode === null)
        try {
          process.kill(-c.proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
  };
  process.once('exit', killAll);
  cleanups.push(async () => {
    process.removeListener('exit', killAll);
  });

  try {
    const universalDir = resolve(opts.universalModelDir ?? join(ROOT, 'models/universal'));
    if (!existsSync(join(universalDir, 'model.json'))) {
      throw new Error(`no universal model at ${universalDir} (expected model.json + model.onnx; see docs/ml.md)`);
    }
    // Fail in a second with the reason, rather than after minutes of a Lambda and a worker that cannot label.
    const { loadClassifier } = await import('../src/ml/onnx-classifier');
    await loadClassifier(universalDir).catch((err: unknown) => {
      throw new Error(
        `the universal model at ${universalDir} does not load with this checkout's code: ${err instanceof Error ? err.message : String(err)}`,
      );
    });

    // ---- Pub/Sub first: the official emulator (Java) is the slowest piece, so it starts while the rest comes up ----
    const emulatorStart = opts.pubsub === 'fake' ? null : startPubSubEmulator(60_000);

    // ---- in-process stand-ins ----
    const gh = await startGitHubStandIn({ webhookSecret: `local-${randomUUID()}` });
    cleanups.push(() => gh.close());
    const gcs = await startGcsStandIn({ buckets: [BUCKET] });
    cleanups.push(() => gcs.stop());
    say(`GitHub stand-in   ${gh.url}  (UI: ${gh.url}/_ui)`);
    say(`GCS stand-in      ${gcs.endpoint}  bucket ${BUCKET}`);

    let pubsubHost = '';
    let pubsubKind: LocalStack['pubsubKind'] = 'in-process fake';
    if (emulatorStart) {
      const started = await emulatorStart;
      if (started.emulator) {
        const emulator = started.emulator;
        pubsubHost = emulator.host;
        pubsubKind = 'official emulator';
        cleanups.push(() => emulator.stop());
      } else if (opts.pubsub === 'emulator') {
        throw new Error(started.skip);
      } else {
        say(`Pub/Sub: ${started.skip}; using the in-process fake`);
      }
    }
    if (!pubsubHost) {
      const fake = await startPubSubFake();
      pubsubHost = fake.host;
      cleanups.push(() => fake.stop());
    }
    say(`Pub/Sub           ${pubsubHost}  (${pubsubKind})`);
    const id = randomUUID().slice(0, 8);
    const pubsub = new PubSub({ apiEndpoint: pubsubHost, projectId: PROJECT });
    cleanups.push(() => pubsub.close());
    const [topic] = await pubsub.createTopic(`issues-${id}`);
    const subscription = `worker-${id}`;
    // Ordered, as docs/gcp.md creates it: one issue's forwarded deliveries reach the worker one at a time.
    await topic.createSubscription(subscription, { ackDeadlineSeconds: 30, enableMessageOrdering: true });
    const tapSubscription = `tap-${id}`;
    const [tap] = await topic.createSubscription(tapSubscription, { ackDeadlineSeconds: 60 });
    const forwarded = new Map<string, number>();
    tap.on('message', (m) => {
      const key = `${m.attributes.repo}#${m.attributes.issue}`;
      forwarded.set(key, (forwarded.get(key) ?? 0) + 1);
      m.ack();
    });
    tap.on('error', () => undefined);
    cleanups.push(() => tap.close());

    // ---- models in GCS ----
    const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: PROJECT });
    const store = new GcsModelStore(storage, BUCKET);
    await publishModel({ store, scope: parseScope('*'), dir: universalDir });
    for (const m of opts.models ?? []) await publishModel({ store, scope: parseScope(m.scope), dir: m.dir });
    say(`models            universal${(opts.models ?? []).map((m) => `, ${m.scope}`).join('')}`);

    // ---- the operator's config issue ----
    gh.createRepo(CONFIG_REPO, { private: true });
    gh.setPermission(CONFIG_REPO, OPERATOR, 'admin');
    const configIssue = gh.createIssue(CONFIG_REPO, {
      title: 'label-bot configuration',
      body: configIssueBody(opts.configYaml ?? 'salt: local\nrollout: {}\n'),
      user: OPERATOR,
      webhook: false,
    });

    // ---- app credentials: any RSA key works with the stand-in ----
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const tmp = mkdtempSync(join(tmpdir(), 'label-bot-local-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const common: NodeJS.ProcessEnv = {
      ...process.env,
      APP_ID: String(gh.appId),
      PRIVATE_KEY: privateKey,
      GITHUB_API_URL: gh.url,
      PUBSUB_EMULATOR_HOST: pubsubHost,
      STORAGE_EMULATOR_HOST: gcs.endpoint,
      METADATA_SERVER_DETECTION: 'none',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      // Probot would try to npx-install extras for these (see DESIGN.md); never inherit them here.
      SENTRY_DSN: '',
      REDIS_URL: '',
      WEBHOOK_PROXY_URL: '',
    };

    // ---- the Lambda handler through serverless-offline ----
    const httpPort = await freePort();
    const lambdaPort = await freePort();
    const lambda = startChild(
      ROOT,
      'lambda',
      [
        join(ROOT, 'node_modules/serverless/bin/serverless.js'),
        'offline',
        'start',
        '--httpPort',
        String(httpPort),
        '--lambdaPort',
        String(lambdaPort),
        '--host',
        '127.0.0.1',
        // The handler gets this process's environment (secrets, stand-in URLs) on top of serverless.yml's.
        '--localEnvironment',
        // One warm instance for the whole session: AWS's 9 s limit is not what a loaded 2-core laptop should be
        // judged by, and a killed invocation would restart the instance (cold start, config reload) mid-demo.
        '--noTimeout',
        '--terminateIdleLambdaTime',
        '3600',
        // In the main thread: one module instance, like one warm Lambda. (Worker threads start a second instance when
        // the first looks busy, and a second onnxruntime-node in another thread of the process can hang.)
        '--useInProcess',
        '--param',
        `configIssue=${CONFIG_REPO}#${configIssue.number}`,
        '--param',
        `pubsubTopic=${topic.name}`,
        '--param',
        `gcpProject=${PROJECT}`,
        '--param',
        `modelDir=${universalDir}`,
      ],
      { ...common, WEBHOOK_SECRET: gh.webhookSecret },
      sink,
    );
    children.push(lambda);
    cleanups.push(() => stopChild(lambda));
    const webhookUrl = `http://127.0.0.1:${httpPort}/webhook`;

    // ---- the worker ----
    const workerPort = await freePort();
    const worker = startChild(
      ROOT,
      'worker',
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'gcp-worker/src/main.ts')],
      {
        ...common,
        PUBSUB_SUBSCRIPTION: subscription,
        PUBSUB_PROJECT_ID: PROJECT,
        LABEL_BOT_BUCKET: BUCKET,
        STORAGE_API_ENDPOINT: gcs.endpoint,
        WORKER_HTTP_PORT: String(workerPort),
        WORKER_HTTP_HOST: '127.0.0.1',
        WORKER_CONCURRENCY: '4',
        WORKER_SHUTDOWN_GRACE_SECONDS: '3',
        MODEL_POINTER_TTL_SECONDS: '5',
        READY_CACHE_SECONDS: '0',
      },
      sink,
    );
    children.push(worker);
    cleanups.push(() => stopChild(worker));
    const workerHealthUrl = `http://127.0.0.1:${workerPort}`;

    // Ready = the handler answers an unsigned POST with 401 (and has done its cold start), the worker's /readyz is 200.
    await Promise.all([
      waitFor(
        'serverless offline',
        async () => (await fetch(webhookUrl, { method: 'POST', body: '{}' })).status === 401,
        90_000,
        lambda.proc,
      ),
      waitFor('worker', async () => (await fetch(`${workerHealthUrl}/readyz`)).ok, 90_000, worker.proc),
    ]).catch((err: Error) => {
      throw new Error(`${err.message}\n--- last child output ---\n${captured.slice(-30).join('\n')}`);
    });
    gh.setWebhookTarget(webhookUrl);
    say(`Lambda handler    ${webhookUrl}  (serverless offline)`);
    say(`worker            ${workerHealthUrl}/readyz  /metrics  (subscription ${subscription})`);

    return {
      gh,
      gcs,
      pubsubHost,
      pubsubKind,
      topic: topic.name,
      subscription,
      tapSubscription,
      webhookUrl,
      workerHealthUrl,
      lambdaMode: 'serverless offline',
      configIssue: { repo: CONFIG_REPO, number: configIssue.number },
      forwarded,
      async publishModel(scope, dir) {
        await publishModel({ store, scope: parseScope(scope), dir });
      },
      logs: () => [...captured],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ streamLogs: true, configYaml: 'salt: local\nrollout:\n  demo/widgets: 1.0\n' });
  stack.gh.createRepo('demo/widgets');
  stack.gh.createRepo('demo/gadgets');
  const control = `${stack.gh.url}/_control`;
  console.log(`
label-bot is running locally. Everything is in memory; Ctrl-C stops it all.

  UI of the stand-in:   ${stack.gh.url}/_ui
  config issue:         ${stack.configIssue.repo}#${stack.configIssue.number} (edit as "${OPERATOR}")
  repos:                demo/widgets (rollout 1.0 → worker), demo/gadgets (universal model in the Lambda)

Try:
  curl -s -XPOST ${control}/repos/demo/gadgets/issues -H 'content-type: application/json' \\
       -d '{"title":"App crashes on start","body":"segfault","user":"alice"}'
  curl -s ${control}/repos/demo/gadgets/issues/1
  curl -s -XPATCH ${control}/repos/${stack.configIssue.repo}/issues/${stack.configIssue.number} -H 'content-type: application/json' \\
       -d '{"user":"${OPERATOR}","body":"\`\`\`yaml\\nsalt: local\\nrollout:\\n  demo/*: 1.0\\n\`\`\`"}'
  curl -s ${control}/counters
`);
  await new Promise<void>((resolveStop) => {
    const onSignal = () => resolveStop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  console.log('stopping…');
  await stack.stop();
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
