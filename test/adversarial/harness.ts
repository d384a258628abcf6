/**
 * The adversarial stack: one GitHub stand-in and several *separately constructed* Lambda handlers (createRuntime:
 * own Probot, own config cache, own classifier memo), like warm instances of one function, optionally publishing to
 * the in-process Pub/Sub fake. Deliveries are the stand-in's real signed webhooks, handed to the handlers as
 * API Gateway v1 events. Nothing here re-implements production code; it only wires the public pieces together.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PubSub, type Topic } from '@google-cloud/pubsub';
// bottleneck is the throttling plugin's own limiter (a transitive dependency): groups without its 1 s spacing of writes
// and 3 s spacing of comment creations (per installation), which would only slow the suite down.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';
import { createRuntime } from '../../src/lambda/runtime';
import type { HttpResult } from '../../src/lambda/http-event';
import { apiGatewayEvent } from '../e2e/stack';
import { KeywordClassifier } from '../support/fake-classifier';
import { testPrivateKey } from '../stand-in/support';
import { startGitHubStandIn, type GitHubStandIn, type WebhookDelivery } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake, type PubSubFakeOptions } from '../support/pubsub-fake';
import { pemNeedles } from './log-capture';

export const CONFIG_REPO = 'ops/label-bot-config';
export const CONFIG_ISSUE = 1;
export const OPERATOR = 'operator';
export const PROJECT = 'label-bot-adversarial';
export const UNIVERSAL_KEYWORDS = { bug: 'crash', feature: 'please add', question: 'how do i' };

/** Retries and throttling off: what the other suites use, so one injected failure costs no waiting. */
const unthrottled = new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 });

export const NoRetryOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...(o.throttle as object | undefined), enabled: false },
}));

/**
 * Production retry behaviour (the runtime's one retry, the throttling plugin's short rate-limit waits) but no
 * 1 s spacing between writes; for the fault tests, where the retry is what is being tested.
 */
export const RetryingOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  // Time scale only: a "retry-after: 1" or a retry backoff unit waits 10 ms instead of 1 s. The decisions (retry or
  // not, how often, the runtime's 2 s cap on rate-limit waits) are production's.
  retry: { ...(o.retry as object | undefined), retryAfterBaseValue: 10 },
  throttle: {
    ...(o.throttle as object | undefined),
    retryAfterBaseValue: 10,
    write: unthrottled,
    notifications: unthrottled,
  },
}));

export function configBody(yaml: string): string {
  return `Operator config for label-bot.\n\n\`\`\`yaml\n${yaml.trim()}\n\`\`\`\n`;
}

export interface HarnessOptions {
  configYaml: string;
  instances?: number;
  /** Start the Pub/Sub fake and set PUBSUB_TOPIC (forwarding on). */
  pubsub?: boolean;
  pubsubOptions?: PubSubFakeOptions;
  Octokit?: typeof ProbotOctokit;
  /** Extra environment for every instance. */
  env?: Record<string, string>;
}

export interface Harness {
  gh: GitHubStandIn;
  pubsub: PubSubFake | null;
  topic: Topic | null;
  handlers: ((event: unknown) => Promise<HttpResult>)[];
  webhookSecret: string;
  privateKey: string;
  /** Deliver to instance i (round-robin over the instances when i is omitted). */
  deliver(delivery: WebhookDelivery, i?: number): Promise<{ status: number; body: string }>;
  /** Runs `fn` with webhooks captured instead of delivered; returns what GitHub would have sent. */
  capture(fn: () => unknown): Promise<WebhookDelivery[]>;
  /** Secrets that must never be logged: webhook secret, private key lines, every installation token issued. */
  secrets(): string[];
  /** Write requests (REST writes and GraphQL mutations) that concern one issue or PR, or a repo's git refs. */
  writes(repo: string, n?: number): number;
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const webhookSecret = `whsec${randomBytes(16).toString('hex')}`;
  const gh = await startGitHubStandIn({ webhookSecret });
  gh.createRepo(CONFIG_REPO, { private: true });
  gh.setPermission(CONFIG_REPO, OPERATOR, 'admin');
  gh.createIssue(CONFIG_REPO, {
    title: 'label-bot config',
    body: configBody(opts.configYaml),
    user: OPERATOR,
    webhook: false,
  });

  let pubsub: PubSubFake | null = null;
  let topic: Topic | null = null;
  let client: PubSub | null = null;
  if (opts.pubsub) {
    pubsub = await startPubSubFake(opts.pubsubOptions);
    process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
    client = new PubSub({ apiEndpoint: pubsub.host, projectId: PROJECT });
    [topic] = await client.createTopic(`issues-${randomUUID().slice(0, 8)}`);
  }

  const privateKey = testPrivateKey();
  const handlers: Harness['handlers'] = [];
  for (let i = 0; i < (opts.instances ?? 2); i++) {
    const { handler } = createRuntime({
      env: {
        APP_ID: String(gh.appId),
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: webhookSecret,
        GITHUB_API_URL: gh.url,
        CONFIG_ISSUE: `${CONFIG_REPO}#${CONFIG_ISSUE}`,
        CONFIG_TTL_SECONDS: '3600',
        ...(topic ? { PUBSUB_TOPIC: topic.name, GCP_PROJECT: PROJECT, PUBSUB_EMULATOR_HOST: pubsub!.host } : {}),
        MODEL_DIR: '/nonexistent-adversarial-uses-a-keyword-model',
        ...opts.env,
      },
      Octokit: opts.Octokit ?? NoRetryOctokit,
      loadClassifier: async () => new KeywordClassifier('universal/adversarial', UNIVERSAL_KEYWORDS),
    });
    handlers.push(handler);
  }

  let rr = 0;
  const deliver = async (delivery: WebhookDelivery, i?: number) => {
    const idx = i ?? rr++ % handlers.length;
    const res = await handlers[idx]!(apiGatewayEvent(delivery));
    return { status: res.statusCode, body: res.body };
  };
  let capturing: WebhookDelivery[] | null = null;
  gh.setWebhookTarget(async (d) => {
    if (capturing) {
      capturing.push(d);
      return { status: 200, body: '{"captured":true}' };
    }
    return deliver(d);
  });

  const tokens = () => [...((gh.store as unknown as { tokens: Map<string, unknown> }).tokens?.keys() ?? [])];

  return {
    gh,
    pubsub,
    topic,
    handlers,
    webhookSecret,
    privateKey,
    deliver,
    async capture(fn) {
      await gh.idle();
      capturing = [];
      try {
        await fn();
        await gh.idle();
        return capturing;
      } finally {
        capturing = null;
      }
    },
    secrets: () => [webhookSecret, ...pemNeedles(privateKey), ...tokens()],
    writes(repo, n) {
      const key = n === undefined ? null : `${repo}#${n}`.toLowerCase();
      return (
        gh.counters
          .requests()
          .filter((r) => r.write)
          // GraphQL mutations all POST to /graphql: the stand-in attributes them to their issue instead.
          .filter((r) =>
            key
              ? r.issue === key || (r.path.includes(`/repos/${repo}/git/`) && !r.issue)
              : r.path.includes(`/repos/${repo}/`) || r.issue?.startsWith(`${repo.toLowerCase()}#`),
          ).length
      );
    },
    async close() {
      await gh.close();
      await client?.close();
      await pubsub?.stop();
    },
  };
}
