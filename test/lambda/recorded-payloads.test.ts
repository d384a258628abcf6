/**
 * GitHub's own recorded webhook payloads (@octokit/webhooks-examples: api.github.com's, and the GitHub Enterprise
 * Server ones that differ) through the deployed entry point: handler.ts, configured from the environment, the committed
 * universal ONNX model, API Gateway HTTP API (v2) events signed with the webhook secret as GitHub signs them. Every
 * example of every event the app receives (app.yml's default_events, plus ping and the installation events every app
 * gets) goes through twice: as recorded, and, since the examples mostly come from repository webhooks, as a GitHub App
 * receives it (with `installation`), with its repository and issue or pull request on the GitHub stand-in, so the
 * handlers really run against GitHub calls.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn, type RequestRecord } from '../support/github-stand-in';
import { httpApiEvent } from '../support/lambda-event';
import {
  deliveredEvents,
  handledEventNames,
  installationIds,
  itemOf,
  recordedExamples,
  repositoryOf,
  seedFromPayload,
  withInstallation,
} from '../support/recorded-payloads';
import { testPrivateKey } from '../support/test-octokit';
import { configBody } from '../e2e/stack';
import { captured, findLeaks, pemNeedles } from '../adversarial/log-capture';

vi.mock('../../src/log/logger', async (orig) =>
  (await import('../adversarial/log-capture')).captureLoggerModule(await orig()),
);

type LambdaHandler = (event: unknown) => Promise<{ statusCode: number; body: string }>;
type LogLine = { level: number; msg?: string; decision?: string; reason?: string; [k: string]: unknown };

const MODEL_DIR = join(process.cwd(), 'models/universal');
const MODEL_LABELS = (JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as { labels: string[] }).labels;
const SECRET = 'recorded-payloads-secret';
const EVENTS = deliveredEvents();
const EXAMPLES = recordedExamples(EVENTS);
const INSTALLATIONS = installationIds(EXAMPLES);
/** Repository examples as a GitHub App receives them (all of them: the end states are checked on these). */
const AS_APP = EXAMPLES.filter((e) => repositoryOf(e.payload)).map((e) => ({
  ...e,
  payload: withInstallation(e.payload, INSTALLATIONS.get(repositoryOf(e.payload)!.owner.login)!),
}));

let gh: GitHubStandIn;
let handler: LambdaHandler;
const savedEnv = { ...process.env };
const rejections: unknown[] = [];
/** Every delivery's X-Hub-Signature-256 digest, for the log scan. */
const signatures: string[] = [];
const onRejection = (err: unknown) => rejections.push(err);

interface Outcome {
  status: number;
  body: string;
  calls: RequestRecord[];
  /** GitHub writes (REST other than GET/HEAD, GraphQL mutations), installation-token requests left out. */
  writes: RequestRecord[];
  logs: LogLine[];
  item: string | null;
}

/** Resets the stand-in, registers what the payload names, signs and delivers it; what happened comes back. */
async function replay(example: { event: string; payload: Record<string, unknown> }): Promise<Outcome> {
  gh.reset();
  seedConfigIssue();
  const repo = repositoryOf(example.payload);
  const item = repo ? seedFromPayload(gh, example.payload, INSTALLATIONS.get(repo.owner.login)!, MODEL_LABELS) : null;
  const delivery = gh.buildWebhook(example.event, example.payload);
  signatures.push(delivery.headers['x-hub-signature-256']!.replace(/^sha256=/, ''));
  const from = captured.length;
  const res = await handler(httpApiEvent(delivery));
  const calls = gh.counters.requests().filter((r) => !r.endpoint.includes(' /app/'));
  const logs = captured
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
  return { status: res.statusCode, body: res.body, calls, writes: calls.filter((c) => c.write), logs, item };
}

const errorsIn = (o: Outcome) => o.logs.filter((l) => l.level >= 50).map((l) => l.msg);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  // Deliveries come from the test only, one at a time: the bot's own writes trigger nothing behind its back.
  gh = await startGitHubStandIn({ webhookSecret: SECRET, autoWebhooks: { control: false, api: false } });
  Object.assign(process.env, {
    APP_ID: String(gh.appId),
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: SECRET,
    GITHUB_API_URL: gh.url,
    CONFIG_ISSUE: 'ops/config#1',
    MODEL_DIR,
  });
  for (const name of ['SSM_PARAMETER_PREFIX', 'PUBSUB_TOPIC', 'PUBSUB_EMULATOR_HOST']) delete process.env[name];
  // Module scope reads the environment and starts loading the model, as on a Lambda cold start.
  handler = ((await import('../../handler')) as unknown as { webhooks: LambdaHandler }).webhooks;
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await gh?.close();
  process.env = savedEnv;
});

/** The operator's config issue (no rollout: every new issue is the universal model's) lives through every reset. */
function seedConfigIssue(): void {
  gh.createRepo('ops/config', { private: true });
  gh.setPermission('ops/config', 'operator', 'admin');
  gh.createIssue('ops/config', {
    title: 'config',
    body: configBody('salt: recorded\n'),
    user: 'operator',
    webhook: false,
  });
}

const isNewIssue = (e: { event: string; payload: Record<string, unknown> }) =>
  e.event === 'issues' && ['opened', 'reopened'].includes(e.payload.action as string);

describe('the recorded examples cover what the app handles', () => {
  it('has examples of every delivered event and of every event.action a bot listens to', () => {
    expect(EVENTS).toEqual(expect.arrayContaining(['issues', 'pull_request', 'label', 'ping', 'installation']));
    for (const event of EVENTS)
      expect(
        EXAMPLES.some((e) => e.event === event),
        event,
      ).toBe(true);
    const handled = handledEventNames();
    expect(handled).toEqual(expect.arrayContaining(['issues.opened', 'label.edited', 'pull_request.labeled']));
    for (const name of handled) {
      expect(EVENTS, `${name}: app.yml does not subscribe to it`).toContain(name.split('.')[0]);
      expect(
        EXAMPLES.some((e) => `${e.event}.${e.action}` === name),
        `${name} has a recorded example`,
      ).toBe(true);
    }
  });
});

describe('every recorded payload as recorded (mostly repository webhooks: no installation)', () => {
  it.each(EXAMPLES.map((e) => [e.name, e] as const))('%s', async (_name, example) => {
    const o = await replay(example);
    expect(o.status, o.body).toBe(200);
    // Not a GitHub App delivery: accepted, and no call that could only go out unauthenticated.
    if (repositoryOf(example.payload) && !example.payload.installation) {
      expect(JSON.parse(o.body)).toEqual({ ok: true, ignored: 'no installation' });
      expect(o.calls).toEqual([]);
    }
    expect(errorsIn(o)).toEqual([]);
  });
});

describe('every recorded repository payload as a GitHub App receives it (with installation)', () => {
  it.each(AS_APP.map((e) => [e.name, e] as const))('%s', async (_name, example) => {
    const o = await replay(example);
    expect(o.status, o.body).toBe(200);
    expect(JSON.parse(o.body)).toEqual({ ok: true });
    expect(errorsIn(o)).toEqual([]);
    if (!isNewIssue(example)) {
      // No ciflow, label rules or CC settings anywhere, and not the config issue: nothing else may write.
      expect(o.writes.map((w) => w.endpoint)).toEqual([]);
      return;
    }
    // A new issue: one read of it, then whatever the committed universal model decides, in at most 2 writes.
    const about = (c: RequestRecord) => c.issue?.toLowerCase() === o.item;
    expect(o.calls.filter((c) => c.endpoint === 'POST graphql:LabelBotIssueState' && about(c))).toHaveLength(1);
    expect(o.writes.length).toBeLessThanOrEqual(2);
    expect(o.writes.every(about)).toBe(true);
    expect(o.logs.find((l) => l.msg === 'new issue handled')).toMatchObject({ decision: 'universal' });
    const decision = o.logs.find((l) => l.msg === 'label decision')!;
    expect(['label', 'not-confident']).toContain(decision.decision);
    const item = itemOf(example.payload)!;
    const now = gh.issue(repositoryOf(example.payload)!.full_name, item.number);
    if (decision.decision === 'label') {
      const chosen = (decision.labels as { label: string }[]).map((l) => l.label);
      expect(now.labels).toEqual(expect.arrayContaining(chosen));
      expect(gh.botComments(repositoryOf(example.payload)!.full_name, item.number)).toHaveLength(1);
    } else {
      expect(now.labels).toEqual((item.labels ?? []).map((l) => l.name));
    }
  });
});

describe('variants of recorded payloads the examples do not carry', () => {
  const asApp = (name: string) => structuredClone(AS_APP.find((e) => e.name === name)!);

  it('an issues event about a pull request (recorded `milestoned`, as `opened`) is not labeled as an issue', async () => {
    const example = asApp('[api.github.com] issues.milestoned #1');
    expect(itemOf(example.payload)!.pull_request).toBeTruthy();
    example.payload.action = 'opened';
    const o = await replay(example);
    expect(o.status).toBe(200);
    expect(o.calls).toEqual([]);
    expect(o.logs.find((l) => l.msg === 'new issue handled')).toMatchObject({
      decision: 'ignored',
      reason: 'pull-request',
    });
  });

  it('an issue another GitHub App opened (performed_via_github_app, Bot sender) is left alone', async () => {
    const example = asApp('[api.github.com] issues.opened #1');
    const app = { id: 7, slug: 'other-app', name: 'Other App' };
    const bot = { login: 'other-app[bot]', id: 70, type: 'Bot' };
    Object.assign(itemOf(example.payload)!, { performed_via_github_app: app, user: bot });
    example.payload.sender = bot;
    const o = await replay(example);
    expect(o.status).toBe(200);
    expect(o.calls).toEqual([]);
    expect(o.logs.find((l) => l.msg === 'new issue handled')).toMatchObject({
      decision: 'ignored',
      reason: 'bot-sender',
    });
  });

  it('a body edit of an ordinary issue (recorded `edited` with `changes.body`) writes nothing', async () => {
    const example = asApp('[api.github.com] issues.edited #1');
    example.payload.changes = { body: { from: 'It looked like you spelled commit wrong.' } };
    const o = await replay(example);
    expect(o.status).toBe(200);
    expect(errorsIn(o)).toEqual([]);
    expect(o.writes).toEqual([]);
  });

  it('a renamed label (recorded `label.edited` with `changes.name`) that no setting names: no crash, no write', async () => {
    const example = asApp('[api.github.com] label.edited #1');
    example.payload.changes = { name: { from: 'bug' } };
    const o = await replay(example);
    expect(o.status).toBe(200);
    expect(errorsIn(o)).toEqual([]);
    expect(o.calls.length).toBeGreaterThan(0); // the settings were looked at
    expect(o.writes).toEqual([]);
  });
});

describe('after every replay', () => {
  it('left no unhandled rejection', () => {
    expect(rejections).toEqual([]);
  });

  it('logged no secret, token, signature, issue title or body (at trace level)', () => {
    const text = (v: unknown) => (typeof v === 'string' ? [v] : []);
    const issueText = EXAMPLES.flatMap(({ payload }) => {
      const item = itemOf(payload);
      return item ? [...text(item.title), ...text(item.body)] : [];
    });
    const needles = [
      SECRET,
      ...pemNeedles(testPrivateKey()),
      ...gh.store.identity.issuedTokens(),
      ...signatures,
      ...issueText.flatMap((t) => t.split('\n')).map((l) => l.trim()),
    ];
    expect(issueText.length).toBeGreaterThan(20);
    // The scan saw the run's log at its most verbose, not an empty buffer.
    const log = captured.join('');
    expect(log).toContain('"msg":"label decision"');
    expect(log).toMatch(/"level":20,.*"msg":"GitHub request: POST /);
    expect(findLeaks(needles)).toEqual([]);
  });
});
