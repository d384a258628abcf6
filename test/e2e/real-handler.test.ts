import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { testPrivateKey } from '../stand-in/support';
import { apiGatewayEvent, configBody } from './stack';

/**
 * The deployed entry point itself: `handler.ts` as serverless.yml names it (`handler.webhooks`), configured only
 * through the environment, with the committed universal ONNX model and production Octokit defaults (throttling on).
 */
const MODEL_DIR = join(process.cwd(), 'models/universal');
const modelLabels = (JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as { labels: string[] }).labels;

type LambdaHandler = (event: unknown) => Promise<{ statusCode: number; body: string }>;

describe('end to end: the real handler.ts with the committed universal model', () => {
  let gh: GitHubStandIn;
  let pubsub: PubSubFake;
  let handler: LambdaHandler;
  let topicName: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    gh = await startGitHubStandIn({ webhookSecret: 'real-handler-secret' });
    pubsub = await startPubSubFake();
    const client = new PubSub({ apiEndpoint: pubsub.host, projectId: 'label-bot-e2e' });
    const [topic] = await client.createTopic('issues-real-handler');
    topicName = topic.name;
    await client.close();

    gh.createRepo('ops/config', { private: true });
    gh.setPermission('ops/config', 'operator', 'admin');
    gh.createIssue('ops/config', {
      title: 'config',
      body: configBody('salt: real\nrollout:\n  acme/rolled: 1.0\n'),
      user: 'operator',
      webhook: false,
    });
    gh.createRepo('acme/plain');
    gh.createRepo('acme/rolled');

    Object.assign(process.env, {
      APP_ID: String(gh.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: gh.webhookSecret,
      GITHUB_API_URL: gh.url,
      CONFIG_ISSUE: 'ops/config#1',
      PUBSUB_TOPIC: topicName,
      GCP_PROJECT: 'label-bot-e2e',
      PUBSUB_EMULATOR_HOST: pubsub.host,
      MODEL_DIR,
    });
    delete process.env.SSM_PARAMETER_PREFIX;
    // Module scope reads the environment and starts loading the model, exactly as on a Lambda cold start.
    handler = ((await import('../../handler')) as unknown as { webhooks: LambdaHandler }).webhooks;
    gh.setWebhookTarget(async (d) => {
      const res = await handler(apiGatewayEvent(d));
      return { status: res.statusCode, body: res.body };
    });
  });

  afterAll(async () => {
    await gh?.close();
    await pubsub?.stop();
    process.env = savedEnv;
  });

  it('labels an issue outside the rollout with the universal model: model labels only, one comment', async () => {
    const issue = gh.createIssue('acme/plain', {
      title: 'App crashes with a segmentation fault on startup',
      body: 'After upgrading, the app crashes immediately. Stack trace attached. Expected it to start normally.',
      user: 'alice',
    });
    await gh.idle();
    const snap = gh.issue('acme/plain', issue.number);
    for (const label of snap.labels) expect(modelLabels).toContain(label);
    const comments = gh.botComments('acme/plain', issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/<!-- label-bot[\s\S]*Model `universal@/);
    expect(gh.webhooks.deliveries.every((d) => d.status === 200)).toBe(true);
    // Redelivering changes nothing.
    const opened = gh.webhooks.deliveries.find(
      (d) => d.action === 'opened' && d.issue === `acme/plain#${issue.number}`,
    )!;
    await gh.redeliver(opened.id);
    await gh.idle();
    expect(gh.issue('acme/plain', issue.number).labels).toEqual(snap.labels);
    expect(gh.botComments('acme/plain', issue.number)).toHaveLength(1);
  });

  it('forwards an issue of a rolled-out repo to Pub/Sub and writes nothing to GitHub itself', async () => {
    const issue = gh.createIssue('acme/rolled', {
      title: 'Please add a dark mode',
      body: 'Would be nice.',
      user: 'bob',
    });
    await gh.idle();
    const published = pubsub.published(topicName).filter((m) => m.attributes.repo === 'acme/rolled');
    expect(published.map((m) => m.attributes.issue)).toEqual([String(issue.number)]);
    const message = JSON.parse(published[0]!.data.toString()) as {
      v: number;
      issue: { title: string };
      cohort: { ratio: number };
    };
    expect(message).toMatchObject({ v: 1, issue: { title: 'Please add a dark mode' }, cohort: { ratio: 1 } });
    expect(gh.issue('acme/rolled', issue.number)).toMatchObject({ labels: [], comments: [] });
  });

  it('answers a bad signature with 401 and touches nothing', async () => {
    const before = gh.counters.snapshot().total;
    const d = gh.buildWebhook('issues', gh.issuesPayload('acme/plain', 1, 'opened'));
    const res = await handler(
      apiGatewayEvent({ ...d, headers: { ...d.headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }),
    );
    expect(res.statusCode).toBe(401);
    expect(gh.counters.snapshot().total).toBe(before);
  });
});
