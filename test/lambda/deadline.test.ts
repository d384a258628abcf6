/**
 * A hang at any single call on the webhook path ends in labels, a hand-off to the worker topic, or the loud
 * "ISSUE LEFT UNLABELED" line, always before the invocation's time runs out (issue #15). The time left comes from
 * Lambda's `context.getRemainingTimeInMillis()`; the shipped Octokit (retries, throttling, 2 s request timeout) talks
 * to the GitHub stand-in, which never answers the call under test. Each case races the handler against the time left.
 */
import { ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { createGlobalConfigStore } from '../../src/config/global-config';
import { LAMBDA_GITHUB_REQUEST_TIMEOUT_MS } from '../../src/github/request-timeout';
import { createWebhookHandler } from '../../src/lambda/webhook-handler';
import { createLogger } from '../../src/log/logger';
import type { ForwardedIssue } from '../../src/pubsub/message';
import type { IssuePublisher } from '../../src/pubsub/publisher';
import { startGitHubStandIn, type FaultRule, type GitHubStandIn } from '../support/github-stand-in';
import { KeywordClassifier } from '../support/fake-classifier';
import { configBody, logSink } from '../bots/app-harness';
import { standInProbot } from '../support/test-octokit';
import { httpApiEvent } from '../support/lambda-event';

/** What Lambda says is left when the handler starts; shorter than the real 9 s to keep the suite quick. */
const REMAINING_MS = 4_000;
const HAND_OFF_RESERVE_MS = 1_000;

let gh: GitHubStandIn;

class Publisher implements IssuePublisher {
  readonly messages: ForwardedIssue[] = [];
  hang = false;
  async publish(message: ForwardedIssue): Promise<string> {
    if (this.hang) return new Promise<string>(() => undefined);
    this.messages.push(message);
    return String(this.messages.length);
  }
}

async function setUp(publisher: Publisher) {
  vi.stubEnv('LOG_LEVEL', 'info');
  const sink = logSink();
  const log = createLogger('deadline-test', sink.stream);
  // The shipped Octokit (retry and throttling on), as the Lambda runs it.
  const probot = standInProbot(gh, {
    Octokit: ProbotOctokit,
    secret: gh.webhookSecret,
    requestTimeoutMs: LAMBDA_GITHUB_REQUEST_TIMEOUT_MS,
    webhookWindow: true,
    log: createLogger('probot', sink.stream),
  });
  const configStore = createGlobalConfigStore({
    ref: { owner: 'ops', repo: 'control', number: 1 },
    ttlMs: 60_000,
    log,
  });
  await probot.load(
    createApp({ loadClassifier: async () => new KeywordClassifier('universal/stand-in'), publisher, configStore, log }),
  );
  const handler = createWebhookHandler({
    init: async () => ({ secret: gh.webhookSecret, probot }),
    log,
    handOffReserveMs: HAND_OFF_RESERVE_MS,
  });
  return { handler, lines: sink.lines };
}

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo('ops/control', { private: true });
  gh.createIssue('ops/control', {
    title: 'config',
    body: configBody('salt: s\nrollout: {}\n'),
    user: 'operator',
    number: 1,
    webhook: false,
  });
  gh.createRepo('acme/widgets');
  gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
  gh.createIssue('acme/widgets', { title: 'Crash on start', body: 'trace', user: 'alice', number: 1, webhook: false });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await gh.close();
});

type Outcome = 'labeled' | 'handed off' | 'left unlabeled (logged)' | 'nothing';

async function deliverWithHang(
  hang: Omit<FaultRule, 'kind'>[],
  publisher = new Publisher(),
): Promise<{ answer: number | 'timed out'; outcome: Outcome }> {
  const { handler, lines } = await setUp(publisher);
  for (const rule of hang) gh.faults.add({ kind: 'hang', ...rule });
  const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1, 'opened'));
  let timer: NodeJS.Timeout | undefined;
  const answer = await Promise.race([
    handler(httpApiEvent(delivery), { getRemainingTimeInMillis: () => REMAINING_MS }).then((r) => r.statusCode),
    new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), REMAINING_MS))),
  ]);
  clearTimeout(timer);
  const outcome: Outcome =
    gh.issue('acme/widgets', 1).labels.includes('bug') && gh.botComments('acme/widgets', 1).length === 1
      ? 'labeled'
      : publisher.messages.some((m) => m.issue.number === 1 && m.model === 'universal')
        ? 'handed off'
        : lines.some((l) => l.includes('ISSUE LEFT UNLABELED: acme/widgets#1'))
          ? 'left unlabeled (logged)'
          : 'nothing';
  return { answer, outcome };
}

describe('a hang at any one call, with the time left from Lambda', () => {
  const cases: [string, Omit<FaultRule, 'kind'>[]][] = [
    ['the installation-token request', [{ path: /\/access_tokens$/ }]],
    ['the config issue read', [{ path: /^\/repos\/ops\/control\/issues\/1$/ }]],
    ['the issue read (GraphQL)', [{ route: 'graphql:LabelBotIssueState' }]],
    ['the labels-and-comment write', [{ route: 'graphql:LabelBotApplyDecision' }]],
  ];
  it.each(cases)(
    '%s: answered in time, and the issue is labeled or handed off',
    { timeout: 15_000 },
    async (_name, hang) => {
      const { answer, outcome } = await deliverWithHang(hang);
      expect(answer).toBe(200);
      expect(['labeled', 'handed off']).toContain(outcome);
    },
  );

  it(
    'the write and then the hand-off publish: answered in time, with the loud unlabeled line',
    { timeout: 15_000 },
    async () => {
      const publisher = new Publisher();
      publisher.hang = true;
      const { answer, outcome } = await deliverWithHang([{ route: 'graphql:LabelBotApplyDecision' }], publisher);
      expect(answer).toBe(200);
      expect(outcome).toBe('left unlabeled (logged)');
    },
  );
});
