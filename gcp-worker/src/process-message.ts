import { forwardedIssueSchema, MESSAGE_VERSION, orderingKey, type ForwardedIssue } from '../../src/pubsub/message';
import { classifyGitHubError } from '../../src/github/errors';
import { labelIssue } from '../../src/github/label-issue';
import type { GitHubClient } from '../../src/vocabulary';
import { NoModelError, StoreUnavailableError, type ModelRegistry } from '../../src/registry';
import type { Logger } from '../../src/log/logger';
import type { Classifier } from '../../src/ml/types';
import type { KeyedLock } from '../../src/github/keyed-lock';
import type { MessageOutcome, WorkerMetrics } from './metrics';

/** What the worker needs from a Pub/Sub message (the real client's Message satisfies it). */
export interface IncomingMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** Set by Pub/Sub when the subscription has a dead-letter policy; 0/undefined otherwise. */
  deliveryAttempt?: number;
}

/** An installation client whose requests can be counted (Octokit's `hook`). */
export type CountableClient = GitHubClient & {
  hook: {
    wrap(name: 'request', fn: (request: (o: never) => Promise<unknown>, options: never) => Promise<unknown>): void;
  };
};

export interface ProcessDeps {
  registry: Pick<ModelRegistry, 'resolve'>;
  installationClient(installationId: number): Promise<CountableClient>;
  metrics: WorkerMetrics;
  log: Logger;
  maxDeliveryAttempts: number;
  /** Serialises runs for the same issue (optional; the worker passes one per process). */
  issueLock?: KeyedLock;
  /** Wait before re-reading an issue caught between another delivery's two writes (default: the labeler's). */
  settleMs?: number;
}

export interface ProcessResult {
  outcome: MessageOutcome;
  action: 'ack' | 'nack';
  labels?: string[];
  modelVersion?: string;
  githubCalls?: number;
}

type Parsed = { ok: true; message: ForwardedIssue } | { ok: false; reason: string };

export function parseForwardedIssue(data: Buffer): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'data is not JSON' };
  }
  const v = (json as { v?: unknown } | null)?.v;
  if (v !== MESSAGE_VERSION)
    return { ok: false, reason: `unknown message version ${JSON.stringify(v)} (expected ${MESSAGE_VERSION})` };
  const parsed = forwardedIssueSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  }
  return { ok: true, message: parsed.data };
}

/** A failure inside the model, not GitHub: never classified as permanent, so the message is retried, then dead-lettered. */
class PredictError extends Error {
  override readonly name = 'PredictError';
}

function guardPredict(classifier: Classifier): Classifier {
  return {
    version: classifier.version,
    labels: classifier.labels,
    predict: async (issues) => {
      try {
        return await classifier.predict(issues);
      } catch (err) {
        throw new PredictError(`model ${classifier.version} failed to predict: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
  };
}

const counted = new WeakSet<object>();

/** Counts every GitHub request made through this client (idempotent per client instance). */
function countCalls(client: CountableClient, metrics: WorkerMetrics): void {
  if (counted.has(client)) return;
  counted.add(client);
  client.hook.wrap('request', async (request, options) => {
    try {
      const res = await request(options);
      metrics.githubCalls.inc({ result: 'ok' });
      return res;
    } catch (err) {
      metrics.githubCalls.inc({ result: 'error' });
      throw err;
    }
  });
}

/**
 * Handles one message end to end and says whether to ack or nack it. Never throws.
 * - invalid JSON / unknown version / schema violation: nack, so Pub/Sub's dead-letter policy moves it to the DLQ
 *   after max attempts (the official emulator behaves the same).
 * - GCS unavailable or no model anywhere, GitHub 5xx / rate limit / network: nack (retried with the subscription's backoff).
 * - issue gone, app uninstalled, 403, 404, 410: ack and log — retrying cannot help.
 */
export async function processMessage(msg: IncomingMessage, deps: ProcessDeps): Promise<ProcessResult> {
  const attempt = msg.deliveryAttempt || undefined;
  const base: Record<string, unknown> = {
    message_id: msg.id,
    delivery_id: msg.attributes.delivery_id,
    delivery_attempt: attempt,
  };
  const finalAttempt = attempt !== undefined && attempt >= deps.maxDeliveryAttempts;
  const nack = (outcome: MessageOutcome, fields: Record<string, unknown>, text: string): ProcessResult => {
    deps.log[outcome === 'invalid' || finalAttempt ? 'error' : 'warn'](
      { ...base, ...fields, outcome, action: 'nack', dead_letter_next: finalAttempt },
      finalAttempt ? `${text}; last attempt, goes to the dead-letter topic` : text,
    );
    return { outcome, action: 'nack' };
  };

  const parsed = parseForwardedIssue(msg.data);
  if (!parsed.ok)
    return nack(
      'invalid',
      { repo: msg.attributes.repo, issue: msg.attributes.issue, reason: parsed.reason },
      'rejected invalid message',
    );
  const m = parsed.message;
  Object.assign(base, { delivery_id: m.delivery_id, repo: `${m.repo.owner}/${m.repo.name}`, issue: m.issue.number });

  let resolved;
  try {
    // `model: universal`: the Lambda's retry hand-off of an issue outside any rollout; never its repo's model.
    resolved = await deps.registry.resolve(
      m.repo.owner,
      m.repo.name,
      m.model === 'universal' ? { universalOnly: true } : {},
    );
  } catch (err) {
    if (err instanceof StoreUnavailableError)
      return nack('transient_error', { err: err.message }, 'model store unavailable');
    if (err instanceof NoModelError) return nack('no_model', { err: err.message }, 'no model available');
    return nack('transient_error', { err: (err as Error).message }, 'model resolution failed');
  }
  Object.assign(base, {
    model_version: resolved.classifier.version,
    model_source: resolved.source,
    ...(m.model ? { model_requested: m.model } : {}),
  });

  try {
    const client = await deps.installationClient(m.installation_id);
    countCalls(client, deps.metrics);
    const mode = m.cohort.mode === 'shadow' ? 'shadow' : 'act';
    const classifier = guardPredict(resolved.classifier);
    // The issue lock serialises runs inside one pod, keyed like the message's Pub/Sub ordering key: an ordered
    // subscription keeps one issue's messages on one pod at a time, so this lock is what runs them one after another.
    // Two pods can still both read "no comment yet" and both create one when ordering does not hold (a subscription
    // created without it, a lease that expired mid-message): the labeler's comment mutation resolves that race, and a
    // pod that reads the other between its label and comment writes waits for it (src/github/racer-in-flight.ts).
    const run = () =>
      labelIssue(client, { owner: m.repo.owner, repo: m.repo.name, number: m.issue.number }, classifier, {
        mode,
        source: resolved.source === 'repo' || resolved.source === 'org' ? 'repo' : 'universal',
        defaults: m.defaults ?? null,
        log: deps.log,
        logContext: { message_id: msg.id, delivery_id: m.delivery_id, delivery_attempt: attempt },
        settleMs: deps.settleMs,
      });
    const outcome = deps.issueLock ? await deps.issueLock.run(orderingKey(m), run) : await run();
    if (outcome.status === 'gone')
      return { outcome: 'gone', action: 'ack', modelVersion: outcome.modelVersion, githubCalls: outcome.githubCalls };
    const labels = outcome.decision.chosen.map((c) => c.label);
    const result: MessageOutcome =
      mode === 'shadow' ? 'shadow' : outcome.decision.action === 'skip' ? 'skipped' : 'labeled';
    return {
      outcome: result,
      action: 'ack',
      labels,
      modelVersion: outcome.modelVersion,
      githubCalls: outcome.githubCalls,
    };
  } catch (err) {
    if (err instanceof PredictError)
      return nack('transient_error', { err: err.message }, 'prediction failed; will be retried');
    const kind = classifyGitHubError(err);
    const status = (err as { status?: number }).status;
    const fields = { err: (err as Error).message, status };
    if (kind === 'transient') return nack('transient_error', fields, 'transient GitHub failure; will be retried');
    deps.log.warn({ ...base, ...fields, outcome: 'permanent_error', action: 'ack' }, 'permanent GitHub failure; acked');
    return { outcome: 'permanent_error', action: 'ack' };
  }
}
