import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/lambda/runtime';
import { loadSecrets } from '../../src/lambda/secrets';
import { verifyWebhookSignature } from '../../src/lambda/signature';
import { createWebhookHandler } from '../../src/lambda/webhook-handler';
import { createLogger } from '../../src/log/logger';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { TestOctokit, testPrivateKey } from '../support/test-octokit';
import { KeywordClassifier } from '../support/fake-classifier';
import { issuesPayload, logSink } from '../bots/app-harness';
import { signWebhookBody, v1Event, v2Event, WEBHOOK_SECRET } from './lambda-events';

let gh: GitHubStandIn;
const env = (): NodeJS.ProcessEnv => ({
  APP_ID: String(gh.appId),
  PRIVATE_KEY: testPrivateKey(),
  WEBHOOK_SECRET,
  GITHUB_API_URL: gh.url,
  MODEL_DIR: '/nonexistent',
  LOG_LEVEL: 'silent',
});
const addIssue = (o: { number: number; title: string; body?: string | null }) =>
  gh.createIssue('octo/widgets', { body: 'It crashes', user: 'alice', ...o });
/** Events come from the tests (signed API Gateway events), so the stand-in sends no webhooks of its own. */
beforeAll(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.reset();
  gh.createRepo('octo/widgets', { installationId: 77 }); // the installation id issuesPayload() names
});

function runtime(loads = { count: 0 }) {
  return createRuntime({
    env: env(),
    Octokit: TestOctokit,
    loadClassifier: async () => {
      loads.count++;
      return new KeywordClassifier('universal/lambda-test');
    },
  });
}

describe('signature', () => {
  it('accepts the right HMAC and rejects anything else', () => {
    const body = Buffer.from('{"a":1}');
    expect(verifyWebhookSignature('s', body, signWebhookBody('s', body))).toBe(true);
    expect(verifyWebhookSignature('s', body, signWebhookBody('t', body))).toBe(false);
    expect(verifyWebhookSignature('s', body, 'sha256=abc')).toBe(false);
    expect(verifyWebhookSignature('s', body, undefined)).toBe(false);
    expect(verifyWebhookSignature('', body, signWebhookBody('', body))).toBe(false);
    expect(
      verifyWebhookSignature('s', body, signWebhookBody('s', body).toUpperCase().replace('SHA256', 'sha256')),
    ).toBe(true);
  });
});

describe('Lambda handler (adapter wrapped)', () => {
  it('labels an issue from a signed API Gateway v1 event, loading the model once', async () => {
    addIssue({ number: 1, title: 'crash' });
    const loads = { count: 0 };
    const { handler } = runtime(loads);
    const res = await handler(v1Event(issuesPayload({ number: 1 })));
    expect(res.statusCode).toBe(200);
    const res2 = await handler(v1Event(issuesPayload({ number: 1 }), { delivery: 'delivery-2' }));
    expect(res2.statusCode).toBe(200);
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
    expect(gh.issue('octo/widgets', 1).comments).toHaveLength(1);
    expect(loads.count).toBe(1);
  });

  it('handles HTTP API v2 / function URL events, base64 bodies and any header case', async () => {
    addIssue({ number: 2, title: 'crash' });
    addIssue({ number: 3, title: 'please add x', body: 'ünïcödé ✓' });
    addIssue({ number: 4, title: 'how do i x', body: null });
    const { handler } = runtime();
    expect((await handler(v2Event(issuesPayload({ number: 2 }), { base64: true }))).statusCode).toBe(200);
    expect(
      (await handler(v1Event(issuesPayload({ number: 3, body: 'ünïcödé ✓' }), { base64: true, headerCase: 'upper' })))
        .statusCode,
    ).toBe(200);
    expect((await handler(v2Event(issuesPayload({ number: 4 }), { headerCase: 'canonical' }))).statusCode).toBe(200);
    expect(gh.issue('octo/widgets', 2).labels).toEqual(['bug']);
    expect(gh.issue('octo/widgets', 3).labels).toEqual(['feature']);
    expect(gh.issue('octo/widgets', 4).labels).toEqual(['question']);
  });

  it('answers 401 for a wrong or missing signature and never touches GitHub', async () => {
    addIssue({ number: 5, title: 'crash' });
    const { handler } = runtime();
    const wrong = await handler(v1Event(issuesPayload({ number: 5 }), { secret: 'not-the-secret' }));
    expect(wrong.statusCode).toBe(401);
    const missing = await handler(v2Event(issuesPayload({ number: 5 }), { omit: ['X-Hub-Signature-256'] }));
    expect(missing.statusCode).toBe(401);
    const garbage = await handler(v2Event(issuesPayload({ number: 5 }), { signature: 'sha1=deadbeef' }));
    expect(garbage.statusCode).toBe(401);
    // Signed over different bytes than delivered (tampered body).
    const tampered = v1Event(issuesPayload({ number: 5 }));
    tampered.body = tampered.body.replace('crash', 'crush');
    expect((await handler(tampered)).statusCode).toBe(401);
    expect(gh.counters.requests()).toEqual([]);
  });

  it('accepts a signature in upper-case hex (verified once, case-insensitively): 200 and labeled', async () => {
    addIssue({ number: 7, title: 'crash' });
    const { handler } = runtime();
    const payload = issuesPayload({ number: 7 });
    const upper =
      'sha256=' + signWebhookBody(WEBHOOK_SECRET, JSON.stringify(payload)).slice('sha256='.length).toUpperCase();
    const res = await handler(v1Event(payload, { signature: upper }));
    expect(res.statusCode).toBe(200);
    expect(gh.issue('octo/widgets', 7).labels).toEqual(['bug']);
  });

  it('a handler error is a 500 whose log line names the delivery, never the payload or the signature', async () => {
    const sink = logSink();
    const log = createLogger('lambda-test', sink.stream);
    log.level = 'info';
    const payload = issuesPayload({ number: 8, title: 'SECRET-TITLE', body: 'SECRET-BODY' });
    const event = v1Event(payload, { delivery: 'delivery-boom' });
    const probot = {
      webhooks: {
        receive: async (e: { id: string; name: string; payload: unknown }) => {
          // What @octokit/webhooks rejects with: an AggregateError carrying the event, payload and all.
          const inner = Object.assign(new Error('boom'), { status: 502, event: e });
          throw Object.assign(new AggregateError([inner], 'boom'), { event: e, errors: [inner] });
        },
      },
    };
    const handler = createWebhookHandler({
      init: async () => ({ secret: WEBHOOK_SECRET, probot: probot as never }),
      log,
    });
    expect((await handler(event)).statusCode).toBe(500);
    const text = sink.lines.join('\n');
    expect(text).toContain('delivery-boom');
    expect(JSON.parse(sink.lines.at(-1)!)).toMatchObject({
      event: 'issues',
      err: { class: 'AggregateError', status: 502, message: 'boom' },
    });
    expect(text).not.toMatch(/SECRET-(TITLE|BODY)|sha256=/);
  });

  it('answers 400 for missing event headers, malformed bodies and unknown event shapes; 405 for GET', async () => {
    const { handler } = runtime();
    expect((await handler(v1Event(issuesPayload(), { omit: ['X-GitHub-Event'] }))).statusCode).toBe(400);
    expect((await handler(v1Event(issuesPayload(), { omit: ['X-GitHub-Delivery'] }))).statusCode).toBe(400);
    expect((await handler(v1Event(null, { rawBody: '{"action": "opened",' }))).statusCode).toBe(400);
    expect((await handler(v2Event(null, { rawBody: '[1,2]', base64: true }))).statusCode).toBe(400);
    expect((await handler(v2Event(null, { rawBody: '' }))).statusCode).toBe(400);
    expect((await handler({ hello: 'world' })).statusCode).toBe(400);
    expect((await handler(null)).statusCode).toBe(400);
    expect((await handler({ ...v1Event(issuesPayload()), httpMethod: 'GET' })).statusCode).toBe(405);
    expect(gh.counters.requests()).toEqual([]);
  });

  it('still answers 200 when GitHub fails during labeling (logged, swallowed)', async () => {
    addIssue({ number: 6, title: 'crash' });
    // Twice, on both write paths (REST labels when a label is new to the repo, else labels and comment in one
    // mutation): the labeler re-reads and retries a write GitHub answered with a 5xx once by itself.
    gh.faults.add({
      kind: 'status',
      status: 502,
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      times: 2,
    });
    gh.faults.add({ kind: 'status', status: 502, route: 'graphql:LabelBotApplyDecision', times: 2 });
    const { handler } = runtime();
    expect((await handler(v1Event(issuesPayload({ number: 6 })))).statusCode).toBe(200);
    expect(gh.issue('octo/widgets', 6).labels).toEqual([]);
  });

  it('answers 200 to events it does not handle (ping) without GitHub calls', async () => {
    const { handler } = runtime();
    const res = await handler(v2Event({ zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' }));
    expect(res.statusCode).toBe(200);
    expect(gh.counters.requests()).toEqual([]);
  });
});

describe('secrets from SSM via the Parameters and Secrets extension', () => {
  let server: Server;
  let port = 0;
  const seen: { url: string; token: string | undefined }[] = [];
  const params: Record<string, string> = {
    '/label-bot/prod/APP_ID': '42',
    '/label-bot/prod/PRIVATE_KEY': testPrivateKey().replace(/\n/g, '\\n'),
    '/label-bot/prod/WEBHOOK_SECRET': 'from-ssm',
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://localhost');
      seen.push({ url: req.url!, token: req.headers['x-aws-parameters-secrets-token'] as string | undefined });
      const value = params[url.searchParams.get('name') ?? ''];
      if (!value || url.searchParams.get('withDecryption') !== 'true') {
        res.writeHead(400).end('ParameterNotFound');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ Parameter: { Name: url.searchParams.get('name'), Value: value } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads missing values from the prefix with the session token; env values win; optional ones may be absent', async () => {
    const fetchLocal = (url: string, init: { headers: Record<string, string> }) =>
      fetch(url.replace('localhost', '127.0.0.1'), init);
    const s = await loadSecrets(
      {
        SSM_PARAMETER_PREFIX: '/label-bot/prod/',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
        AWS_SESSION_TOKEN: 'sess',
        WEBHOOK_SECRET: 'from-env',
      },
      fetchLocal,
    );
    expect(s).toMatchObject({
      appId: '42',
      privateKey: testPrivateKey(),
      webhookSecret: 'from-env',
      gcpCredentialsJson: undefined,
    });
    expect(seen.every((x) => x.token === 'sess')).toBe(true);
    expect(seen.some((x) => x.url.includes('GCP_CREDENTIALS_JSON'))).toBe(true);
    delete params['/label-bot/prod/APP_ID'];
    await expect(
      loadSecrets(
        { SSM_PARAMETER_PREFIX: '/label-bot/prod', PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port) },
        fetchLocal,
      ),
    ).rejects.toThrow(/APP_ID.*HTTP 400/);
    await expect(loadSecrets({})).rejects.toThrow(/missing secrets: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET/);
    // No extension running (serverless-offline): required secrets from the shell are enough.
    const unreachable = async () => {
      throw new TypeError('fetch failed');
    };
    const offline = await loadSecrets(
      { SSM_PARAMETER_PREFIX: '/p', APP_ID: '1', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: 'w' },
      unreachable,
    );
    expect(offline).toMatchObject({ appId: '1', webhookSecret: 'w', gcpCredentialsJson: undefined });
    await expect(
      loadSecrets({ SSM_PARAMETER_PREFIX: '/p', APP_ID: '1', PRIVATE_KEY: testPrivateKey() }, unreachable),
    ).rejects.toThrow(/WEBHOOK_SECRET: Parameters and Secrets extension unreachable/);
  });
});
