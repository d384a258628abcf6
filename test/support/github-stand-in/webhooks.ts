import { createHmac, randomUUID } from 'node:crypto';
import { fullName, type Account, type Issue, type Repo } from './model';
import { accountJson, commentJson, issueJson, labelJson, pullJson, repoJson } from './serialize';
import type { Change } from './changes';
import type { GitHubStore } from './store';

/**
 * Webhook deliveries shaped and signed like GitHub's: `X-Hub-Signature-256` (HMAC-SHA256 of the exact body),
 * `X-GitHub-Delivery` GUIDs (kept on redelivery, as GitHub does), `X-GitHub-Event`.
 */

export interface WebhookDelivery {
  id: string;
  event: string;
  action?: string;
  payload: Record<string, unknown>;
  /** The exact bytes that were signed; send these, not a re-serialisation. */
  body: string;
  headers: Record<string, string>;
  /** `owner/repo#n` when the delivery concerns one issue/PR. */
  issue?: string;
  redelivery: boolean;
  status?: number;
  responseBody?: string;
  error?: string;
  durationMs?: number;
}

/** Deliver somewhere other than over HTTP, e.g. straight into the Lambda handler in-process. */
export type DeliverFn = (delivery: WebhookDelivery) => Promise<{ status: number; body?: string }>;

export type WebhookTarget = string | DeliverFn;

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookOptions {
  secret: string;
  target?: WebhookTarget;
  /** Send webhooks for changes made through the control API (a human filing/labeling). Default true. */
  fromControl: boolean;
  /** Send webhooks for changes our code makes through REST, e.g. the bot's own `labeled` events. Default true. */
  fromApi: boolean;
  /** Stop auto-sending for an issue after this many deliveries: a runaway bot loop shows up as `loopSuspects`. */
  maxPerIssue: number;
  /** URL targets only: give up after this long, as GitHub does after 10 s (the delivery records a timeout error). */
  timeoutMs: number;
}

const DELIVERY_LOG_LIMIT = 5_000;

export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  readonly loopSuspects = new Set<string>();
  private readonly perIssue = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private suppressDepth = 0;

  constructor(
    private readonly store: GitHubStore,
    private readonly api: () => string,
    readonly options: WebhookOptions,
  ) {
    store.onChange((change) => this.onChange(change));
  }

  setTarget(target: WebhookTarget | undefined): void {
    this.options.target = target;
  }

  /** Run `fn` without auto-webhooks, for control-API calls that ask for `{ webhook: false }`. */
  withoutWebhooks<T>(fn: () => T): T {
    this.suppressDepth++;
    try {
      return fn();
    } finally {
      this.suppressDepth--;
    }
  }

  build(event: string, payload: Record<string, unknown>, opts: { id?: string; issue?: string } = {}): WebhookDelivery {
    const body = JSON.stringify(payload);
    const id = opts.id ?? randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/stand-in',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(this.store.app.id),
      'x-hub-signature': `sha1=${createHmac('sha1', this.options.secret).update(body).digest('hex')}`,
      'x-hub-signature-256': sign(this.options.secret, body),
    };
    return {
      id,
      event,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      payload,
      body,
      headers,
      issue: opts.issue,
      redelivery: false,
    };
  }

  /** Sign and deliver now (not queued): parallel-delivery tests call this concurrently. */
  async deliver(delivery: WebhookDelivery, target = this.options.target): Promise<WebhookDelivery> {
    this.record(delivery);
    if (!target) {
      delivery.error = 'no webhook target configured';
      return delivery;
    }
    const started = performance.now();
    try {
      if (typeof target === 'string') {
        const res = await fetch(target, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        delivery.status = res.status;
        delivery.responseBody = await res.text();
      } else {
        const res = await target(delivery);
        delivery.status = res.status;
        delivery.responseBody = res.body;
      }
    } catch (err) {
      delivery.error = err instanceof Error ? err.message : String(err);
    } finally {
      delivery.durationMs = performance.now() - started;
    }
    return delivery;
  }

  async send(event: string, payload: Record<string, unknown>, target?: WebhookTarget): Promise<WebhookDelivery> {
    return this.deliver(this.build(event, payload), target);
  }

  /** GitHub's "Redeliver": same GUID, same body, same signature. */
  async redeliver(id: string, target?: WebhookTarget): Promise<WebhookDelivery> {
    const original = this.deliveries.find((d) => d.id === id);
    if (!original) throw new Error(`no delivery ${id}`);
    const copy: WebhookDelivery = {
      ...original,
      redelivery: true,
      status: undefined,
      error: undefined,
      responseBody: undefined,
    };
    return this.deliver(copy, target);
  }

  /** Resolves once every auto-sent delivery (including those they caused) has been answered. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private record(delivery: WebhookDelivery): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > DELIVERY_LOG_LIMIT)
      this.deliveries.splice(0, this.deliveries.length - DELIVERY_LOG_LIMIT);
  }

  private onChange(change: Change): void {
    if (this.suppressDepth > 0) return;
    if (change.origin === 'control' && !this.options.fromControl) return;
    if (change.origin === 'api' && !this.options.fromApi) return;
    const built = this.payloadFor(change);
    if (!built) return;
    const issueKey = `${fullName(change.repo)}#${change.issue.number}`;
    const count = (this.perIssue.get(issueKey) ?? 0) + 1;
    this.perIssue.set(issueKey, count);
    if (count > this.options.maxPerIssue) {
      this.loopSuspects.add(issueKey);
      return;
    }
    // Built now so the payload is the state at the time of the change, like GitHub's snapshot; sent in order.
    const delivery = this.build(built.event, built.payload, { issue: issueKey });
    this.pending++;
    this.queue = this.queue
      .then(() => this.deliver(delivery))
      .then(
        () => {
          this.pending--;
        },
        () => {
          this.pending--;
        },
      );
  }

  private common(repo: Repo, sender: Account): Record<string, unknown> {
    const api = this.api();
    const inst = this.store.identity.installationForOwner(repo.owner.login);
    const common: Record<string, unknown> = {
      repository: repoJson(api, repo),
      sender: accountJson(api, sender),
    };
    if (inst)
      common.installation = { id: inst.id, node_id: Buffer.from(`0:Installation${inst.id}`).toString('base64url') };
    if (repo.owner.type === 'Organization') common.organization = { login: repo.owner.login, id: repo.owner.id };
    return common;
  }

  /** GitHub-shaped payload for a change; pull requests get `pull_request` events, issues `issues`. */
  payloadFor(change: Change): { event: string; payload: Record<string, unknown> } | undefined {
    const api = this.api();
    const { repo, issue, actor } = change;
    const isPull = issue.pull !== null;
    const base = this.common(repo, actor);
    const subject = (i: Issue) =>
      isPull
        ? { number: i.number, pull_request: pullJson(api, this.store, repo, i) }
        : { issue: issueJson(api, this.store, repo, i) };
    const event = isPull ? 'pull_request' : 'issues';
    switch (change.kind) {
      case 'issue.opened':
        return { event, payload: { action: 'opened', ...subject(issue), ...base } };
      case 'issue.edited':
        return { event, payload: { action: 'edited', ...subject(issue), changes: change.changes, ...base } };
      case 'issue.closed':
        return { event, payload: { action: 'closed', ...subject(issue), ...base } };
      case 'issue.reopened':
        return { event, payload: { action: 'reopened', ...subject(issue), ...base } };
      case 'issue.labeled':
      case 'issue.unlabeled':
        return {
          event,
          payload: {
            action: change.kind === 'issue.labeled' ? 'labeled' : 'unlabeled',
            ...subject(issue),
            label: labelJson(api, repo, change.label),
            ...base,
          },
        };
      case 'comment.created':
      case 'comment.edited':
      case 'comment.deleted':
        return {
          event: 'issue_comment',
          payload: {
            action: change.kind.slice('comment.'.length),
            issue: issueJson(api, this.store, repo, issue),
            comment: commentJson(api, this.store, repo, change.comment),
            ...(change.changes ? { changes: change.changes } : {}),
            ...base,
          },
        };
      case 'pull.synchronize':
        return {
          event: 'pull_request',
          payload: { action: 'synchronize', ...subject(issue), before: change.before, after: change.after, ...base },
        };
      default:
        return undefined;
    }
  }
}
