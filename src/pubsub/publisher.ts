import { PubSub, type ClientConfig, type Topic } from '@google-cloud/pubsub';
import type { RepoConfigFile } from '../github/repo-config';
import { createLogger, type Logger } from '../log/logger';
import { publishTimeLeftMs } from '../github/invocation-deadline';
import {
  forwardedIssueSchema,
  MAX_FORWARDED_BODY_CHARS,
  MESSAGE_VERSION,
  orderingKey,
  type ForwardedIssue,
  type ForwardedIssueAttributes,
} from './message';
import type { ModelSource, RolloutMode } from '../vocabulary';

/**
 * Publishes the v1 forwarded-issue message. Publishing happens inside GitHub's 10 s webhook window, so batching is
 * off (no linger) and the whole publish, retries included, is bounded by `timeoutMs`; the caller falls back to
 * universal labeling on any failure.
 */

export interface IssuePublisher {
  publish(message: ForwardedIssue): Promise<string>;
  close?(): Promise<void>;
}

export interface PubSubPublisherOptions {
  topic: string;
  projectId?: string;
  /** Parsed credentials JSON: a service-account key or a Workload Identity Federation `external_account` config. */
  credentials?: Record<string, unknown>;
  /** gRPC endpoint override (a regional or private endpoint); PUBSUB_EMULATOR_HOST is honoured by the client itself. */
  apiEndpoint?: string;
  timeoutMs?: number;
  log?: Logger;
}

export const DEFAULT_PUBLISH_TIMEOUT_MS = 3_000;

export function messageAttributes(message: ForwardedIssue): ForwardedIssueAttributes {
  return {
    repo: `${message.repo.owner}/${message.repo.name}`,
    issue: String(message.issue.number),
    delivery_id: message.delivery_id,
    mode: message.cohort.mode,
    ...(message.model ? { model: message.model } : {}),
  };
}

export class PubSubPublisher implements IssuePublisher {
  private readonly client: PubSub;
  private readonly topic: Topic;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(opts: PubSubPublisherOptions) {
    const config: ClientConfig = {};
    if (opts.projectId) config.projectId = opts.projectId;
    if (opts.credentials) config.credentials = opts.credentials as ClientConfig['credentials'];
    if (opts.apiEndpoint) config.apiEndpoint = opts.apiEndpoint;
    this.client = new PubSub(config);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.log = opts.log ?? createLogger('publisher');
    this.topic = this.client.topic(opts.topic, {
      batching: { maxMessages: 1, maxMilliseconds: 0 },
      gaxOpts: { timeout: this.timeoutMs },
      // The client's documented switch for ordering keys (5.x routes a keyed message through its per-key queue
      // either way; the Python and Java clients refuse a key without it).
      messageOrdering: true,
    });
  }

  async publish(message: ForwardedIssue): Promise<string> {
    // Validate our own output: a malformed message would only fail later, in the worker, after the ack.
    const valid = forwardedIssueSchema.parse(message);
    const data = Buffer.from(JSON.stringify(valid), 'utf8');
    let timer: NodeJS.Timeout | undefined;
    // Inside a Lambda invocation, never past the margin before Lambda's own timeout (invocation-deadline.ts).
    const ms = Math.max(0, Math.min(this.timeoutMs, publishTimeLeftMs()));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publish timed out after ${Math.round(ms)} ms`)), ms);
    });
    const key = orderingKey(valid);
    try {
      const id = await Promise.race([
        this.topic.publishMessage({ data, attributes: messageAttributes(valid), orderingKey: key }),
        timeout,
      ]);
      this.log.info(
        {
          delivery_id: valid.delivery_id,
          repo: `${valid.repo.owner}/${valid.repo.name}`,
          issue: valid.issue.number,
          message_id: id,
          mode: valid.cohort.mode,
          model: valid.model,
        },
        'forwarded issue',
      );
      return id;
    } catch (err) {
      // With ordering, a failed publish pauses its key in this client until resumed: a warm Lambda would otherwise
      // refuse every later delivery of this issue. Our own timeout counts too: the client's publish is still
      // outstanding, and the next publish of this key would queue behind it (and time out in turn) instead of being
      // sent. Resuming lets the client drop the key's queue, on the next tick, which we wait for.
      this.topic.resumePublishing(key);
      await new Promise<void>((resolve) => process.nextTick(resolve));
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.topic.flush().catch(() => undefined);
    await this.client.close();
  }
}

/**
 * Credentials, in order: GCP_CREDENTIALS_JSON (the JSON itself, e.g. from SSM: a WIF `external_account` config or a
 * service-account key), else Google's default chain (GOOGLE_APPLICATION_CREDENTIALS, PUBSUB_EMULATOR_HOST …).
 * Returns null when PUBSUB_TOPIC is unset: forwarding is off and every issue is labeled by the universal model.
 */
export function publisherFromEnv(env: NodeJS.ProcessEnv = process.env, log?: Logger): PubSubPublisher | null {
  const topic = env.PUBSUB_TOPIC;
  if (!topic) return null;
  let credentials: Record<string, unknown> | undefined;
  if (env.GCP_CREDENTIALS_JSON) {
    try {
      credentials = JSON.parse(env.GCP_CREDENTIALS_JSON) as Record<string, unknown>;
    } catch {
      // Never echo the value: it may be a private key.
      throw new Error('GCP_CREDENTIALS_JSON is not valid JSON');
    }
  }
  return new PubSubPublisher({
    topic,
    projectId: env.GCP_PROJECT || env.GOOGLE_CLOUD_PROJECT || undefined,
    credentials,
    timeoutMs: env.PUBLISH_TIMEOUT_MS ? Number(env.PUBLISH_TIMEOUT_MS) : undefined,
    // Ordered delivery per issue (orderingKey) holds only among messages published in one region: a regional
    // endpoint pins them there whatever AWS region the Lambda runs in.
    apiEndpoint: env.PUBSUB_API_ENDPOINT || undefined,
    log,
  });
}

/** Just the webhook fields the message needs; a Probot `issues.*` payload satisfies it. */
export interface IssuesPayloadLike {
  action: string;
  installation?: { id: number };
  repository: { id: number; name: string; private: boolean; owner: { login: string } };
  issue: {
    number: number;
    id: number;
    node_id: string;
    title: string;
    body?: string | null;
    labels?: ({ name: string } | string)[];
    user: { login: string } | null;
    author_association: string;
    created_at: string;
  };
}

/** Truncates on a code-point boundary so a cut never leaves half a surrogate pair. */
export function capBody(body: string | null | undefined): string | null {
  if (body == null) return null;
  if (body.length <= MAX_FORWARDED_BODY_CHARS) return body;
  let cut = MAX_FORWARDED_BODY_CHARS;
  const code = body.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return body.slice(0, cut);
}

export function buildForwardedIssue(
  payload: IssuesPayloadLike,
  deliveryId: string,
  cohort: { ratio: number; bucket: number; mode: RolloutMode },
  now: Date,
  extras: {
    /** `universal`: a retry hand-off of a universal-route issue (see `model` in ./message.ts). */
    model?: ModelSource;
    /** The config issue's `defaults:`, which the worker layers under the org and repo files. */
    defaults?: RepoConfigFile | null;
  } = {},
): ForwardedIssue {
  const { model, defaults } = extras;
  const { repository, issue } = payload;
  if (!payload.installation) throw new Error('webhook payload has no installation id');
  return forwardedIssueSchema.parse({
    v: MESSAGE_VERSION,
    delivery_id: deliveryId,
    event: 'issues',
    action: payload.action,
    installation_id: payload.installation.id,
    repo: { owner: repository.owner.login, name: repository.name, id: repository.id, private: repository.private },
    issue: {
      number: issue.number,
      id: issue.id,
      node_id: issue.node_id,
      title: issue.title,
      body: capBody(issue.body),
      labels: (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name)),
      author: issue.user?.login ?? 'ghost',
      author_association: issue.author_association,
      created_at: issue.created_at,
    },
    forwarded_at: now.toISOString(),
    cohort,
    ...(model ? { model } : {}),
    ...(defaults ? { defaults } : {}),
  });
}
