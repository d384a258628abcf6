import { Writable } from 'node:stream';
import type { Probot } from 'probot';
import { createApp, type AppDeps } from '../../src/app';
import { createGlobalConfigStore } from '../../src/config/global-config';
import { LAMBDA_GITHUB_REQUEST_TIMEOUT_MS } from '../../src/github/request-timeout';
import type { ForwardedIssue } from '../../src/pubsub/message';
import type { IssuePublisher } from '../../src/pubsub/publisher';
import type { GitHubStandIn } from '../support/github-stand-in';
import { standInProbot } from '../support/test-octokit';

export class RecordingPublisher implements IssuePublisher {
  readonly messages: ForwardedIssue[] = [];
  fail: Error | null = null;
  async publish(message: ForwardedIssue): Promise<string> {
    if (this.fail) throw this.fail;
    this.messages.push(message);
    return String(this.messages.length);
  }
}

/** Collects log lines so tests can assert what is (not) logged. */
export function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

export interface IssuesPayloadOptions {
  action?: 'opened' | 'reopened' | 'edited' | 'transferred';
  repo?: string;
  number?: number;
  title?: string;
  body?: string | null;
  sender?: string;
  senderType?: 'User' | 'Bot';
  isPrivate?: boolean;
  installationId?: number;
  pullRequest?: boolean;
  labels?: string[];
}

export function issuesPayload(o: IssuesPayloadOptions = {}) {
  const [owner, name] = (o.repo ?? 'octo/widgets').split('/') as [string, string];
  const number = o.number ?? 1;
  return {
    action: o.action ?? 'opened',
    installation: { id: o.installationId ?? 77 },
    repository: {
      id: 555,
      node_id: 'R_1',
      name,
      full_name: `${owner}/${name}`,
      private: o.isPrivate ?? false,
      owner: { login: owner, id: 1, type: 'Organization' },
    },
    issue: {
      number,
      id: 9000 + number,
      node_id: `I_${number}`,
      title: o.title ?? 'App crash on start',
      body: o.body === undefined ? 'It crashes every time' : o.body,
      labels: (o.labels ?? []).map((l) => ({ name: l })),
      user: { login: o.sender ?? 'alice', type: 'User' },
      author_association: 'NONE',
      created_at: '2026-11-22T07:00:00Z',
      state: 'open',
      ...(o.pullRequest ? { pull_request: { url: 'https://api.github.com/repos/x/y/pulls/1' } } : {}),
    },
    sender: { login: o.sender ?? 'alice', type: o.senderType ?? 'User', id: 2 },
  };
}

/** The app as Lambda runs it (the Lambda's settings, src/lambda/runtime.ts), talking to the GitHub stand-in `gh` over HTTP. */
export async function createTestProbot(
  gh: GitHubStandIn,
  deps: Partial<AppDeps> & Pick<AppDeps, 'loadClassifier'>,
  secret = 'test-secret',
): Promise<Probot> {
  const probot = standInProbot(gh, { secret, requestTimeoutMs: LAMBDA_GITHUB_REQUEST_TIMEOUT_MS, webhookWindow: true });
  await probot.load(createApp({ publisher: null, configStore: null, ...deps }));
  return probot;
}

export const configBody = (yaml: string) => `Rollout for label-bot.\n\n\`\`\`yaml\n${yaml}\n\`\`\`\n`;

export function testConfigStore(now: () => number = Date.now) {
  return createGlobalConfigStore({ ref: { owner: 'ops', repo: 'control', number: 1 }, ttlMs: 60_000, now });
}
