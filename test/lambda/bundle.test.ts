/**
 * The Lambda bundle as serverless-esbuild builds it (CommonJS, everything bundled except onnxruntime-node),
 * loaded like Lambda loads it, driven with signed HTTP API events against the GitHub stand-in and the Pub/Sub fake.
 * Catches what unit tests cannot: bundling breakage (dynamic requires, protos), module-scope init, the real model.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideCohort } from '../../src/rollout/cohort';
import { forwardedIssueSchema } from '../../src/pubsub/message';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { configBody } from '../bots/app-harness';
import { testPrivateKey } from '../support/test-octokit';
import { httpApiEvent } from '../support/lambda-event';

const root = join(import.meta.dirname, '..', '..');
const modelDir = join(root, 'models', 'universal');
const hasModel = existsSync(join(modelDir, 'model.onnx'));
const outDir = join(root, '.esbuild', `test-bundle-${process.pid}`);
const project = 'bundle-test';
const salt = 'bundle-salt';

type Handler = (event: unknown) => Promise<{ statusCode: number; body: string }>;

let gh: GitHubStandIn;
let pubsub: PubSubFake;
let webhooks: Handler;

beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  // The Lambda zip has no package.json, so handler.js is CommonJS there; the repo's "type": "module" must not leak in.
  writeFileSync(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  // Same settings as custom.esbuild in serverless.yml.
  await build({
    entryPoints: [join(root, 'handler.ts')],
    outfile: join(outDir, 'handler.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['onnxruntime-node'],
    logLevel: 'silent',
  });
  pubsub = await startPubSubFake();
  const admin = new PubSub({ apiEndpoint: pubsub.host, projectId: project });
  await admin.createTopic('issues');
  await admin.close();
  gh = await startGitHubStandIn({
    webhookTarget: async (d) => {
      const res = await webhooks(httpApiEvent(d));
      return { status: res.statusCode, body: res.body };
    },
  });
  gh.createRepo('acme/ops');
  gh.createRepo('acme/widgets');
  gh.createIssue('acme/ops', {
    number: 1,
    title: 'config',
    user: 'acme',
    body: configBody(`salt: ${salt}\nrollout:\n  acme/widgets: 0.5\n`),
    webhook: false,
  });

  Object.assign(process.env, {
    APP_ID: String(gh.appId),
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: gh.webhookSecret,
    GITHUB_API_URL: gh.url,
    CONFIG_ISSUE: 'acme/ops#1',
    PUBSUB_TOPIC: 'issues',
    GCP_PROJECT: project,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    MODEL_DIR: modelDir,
  });
  const req = createRequire(join(outDir, 'handler.js'));
  webhooks = (req(join(outDir, 'handler.js')) as { webhooks: Handler }).webhooks;
}, 120_000);

afterAll(async () => {
  await gh?.close();
  await pubsub?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

const pick = (want: boolean, from = 2) => {
  for (let n = from; ; n++) if (decideCohort(salt, 'acme/widgets', n, 0.5).inCohort === want) return n;
};

describe('bundled handler.js', () => {
  it('rejects a bad signature with 401 and garbage with 400', async () => {
    const d = gh.buildWebhook('issues', gh.issuesPayload('acme/ops', 1, 'opened'));
    expect(
      (
        await webhooks(
          httpApiEvent({ ...d, headers: { ...d.headers, 'X-Hub-Signature-256': `sha256=${'1'.repeat(64)}` } }),
        )
      ).statusCode,
    ).toBe(401);
    expect(
      (await webhooks({ version: '2.0', headers: {}, requestContext: { http: { method: 'POST' } }, body: 'x' }))
        .statusCode,
    ).toBe(401);
  });

  it('publishes an in-cohort issue to Pub/Sub over gRPC from inside the bundle', async () => {
    const n = pick(true);
    gh.createIssue('acme/widgets', { number: n, title: 'Crash when saving', body: 'Traceback', user: 'alice' });
    await gh.idle();
    await pubsub.waitFor(() => pubsub.published(`projects/${project}/topics/issues`).length > 0, 20_000);
    const [msg] = pubsub.published(`projects/${project}/topics/issues`);
    const data = forwardedIssueSchema.parse(JSON.parse(msg!.data.toString('utf8')));
    expect(data).toMatchObject({
      repo: { owner: 'acme', name: 'widgets' },
      issue: { number: n },
      cohort: { ratio: 0.5, mode: 'active' },
    });
    expect(gh.issue('acme/widgets', n).labels).toEqual([]);
  });

  it.skipIf(!hasModel)('labels an out-of-cohort issue with the real committed universal model', async () => {
    const n = pick(false);
    gh.createIssue('acme/widgets', {
      number: n,
      title: 'App crashes with NullPointerException when opening settings',
      body: 'Steps to reproduce: open settings. Expected: settings page. Actual: crash with stack trace.',
      user: 'alice',
    });
    await gh.idle();
    // An unmistakable bug report: any sensible universal model labels it `bug` (and nothing else).
    expect(gh.issue('acme/widgets', n).labels).toEqual(['bug']);
    const comments = gh.botComments('acme/widgets', n);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('<!-- label-bot');
    expect(comments[0]!.body).toMatch(/\| `bug` \| \d+\.\d% \|/);
    expect(comments[0]!.body).toMatch(/Model `universal/);
    expect(gh.webhooks.deliveries.filter((d) => d.status !== 200)).toEqual([]);
  });

  it.skipIf(!hasModel)(
    'handles an API Gateway v1 event (mixed-case headers, plain body) with the real model',
    async () => {
      const n = pick(false, 1000);
      gh.createIssue('acme/widgets', {
        number: n,
        title: 'Add support for dark mode',
        body: 'It would be great to have a dark theme option.',
        user: 'bob',
        webhook: false,
      });
      const d = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', n, 'opened', 'bob'));
      const headers = Object.fromEntries(
        Object.entries(d.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]),
      );
      const res = await webhooks({
        httpMethod: 'POST',
        path: '/webhook',
        headers,
        body: d.body,
        isBase64Encoded: false,
      });
      expect(res.statusCode).toBe(200);
      expect(gh.issue('acme/widgets', n).labels).toEqual(['feature']);
    },
  );
});
