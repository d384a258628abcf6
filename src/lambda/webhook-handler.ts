import type { Probot } from 'probot';
import { withInvocationDeadline } from '../github/invocation-deadline';
import { errorFields } from '../log/error-fields';
import { createLogger, type Logger } from '../log/logger';
import { jsonResult, normalizeHttpEvent, type HttpResult } from './http-event';
import { malformedField } from './malformed-payload';
import { verifyWebhookSignature } from './signature';

export interface WebhookHandlerOptions {
  /** Resolved lazily so secrets can come from SSM at cold start. */
  init: () => Promise<{ secret: string; probot: Pick<Probot, 'webhooks'> }>;
  log?: Logger;
  /** Largest accepted body; GitHub caps webhook payloads at 25 MB. */
  maxBodyBytes?: number;
  /**
   * Time kept free at the end of an invocation for the hand-off to the worker topic (its publish timeout): GitHub
   * calls give up that long before Lambda's timeout (src/github/invocation-deadline.ts). Default 3000.
   */
  handOffReserveMs?: number;
}

/** The part of Lambda's context object the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * The Lambda's HTTP side: API Gateway v1, v2 and function-URL events, base64 bodies, any header case. The signature is
 * verified once, over the exact bytes GitHub sent, and the JSON parsed once; the event then goes straight to
 * `probot.webhooks.receive`. A missing or bad signature is a 401 and a malformed request a 400, never a 5xx.
 */
export function createWebhookHandler(opts: WebhookHandlerOptions) {
  const log = opts.log ?? createLogger('lambda');
  const maxBody = opts.maxBodyBytes ?? 25 * 1024 * 1024;
  let ready: ReturnType<WebhookHandlerOptions['init']> | null = null;

  return async function handler(event: unknown, context?: InvocationContext): Promise<HttpResult> {
    // Measured at the very start: everything below, secrets and Probot's set-up included, spends the same budget.
    const started = Date.now();
    const remainingMs =
      typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : null;
    const req = normalizeHttpEvent(event);
    if (!req) return jsonResult(400, { error: 'unsupported event' });
    if (req.method !== 'POST') return jsonResult(405, { error: 'method not allowed' });
    if (req.rawBody.length > maxBody) return jsonResult(413, { error: 'payload too large' });

    const name = req.headers['x-github-event'];
    const id = req.headers['x-github-delivery'];
    const signature = req.headers['x-hub-signature-256'];
    if (!signature) return jsonResult(401, { error: 'missing X-Hub-Signature-256' });
    if (!name || !id) return jsonResult(400, { error: 'missing X-GitHub-Event or X-GitHub-Delivery' });

    let init: Awaited<ReturnType<WebhookHandlerOptions['init']>>;
    try {
      ready ??= opts.init();
      init = await ready;
    } catch (err) {
      ready = null; // retry on the next event rather than staying broken for the instance's lifetime
      log.error({ err: errorFields(err) }, 'initialisation failed');
      return jsonResult(500, { error: 'not initialised' });
    }
    if (!verifyWebhookSignature(init.secret, req.rawBody, signature)) {
      log.warn({ delivery_id: id, event: name }, 'rejected webhook: bad signature');
      return jsonResult(401, { error: 'bad signature' });
    }

    const text = req.rawBody.toString('utf8');
    // GitHub sends UTF-8 JSON; a body that does not survive decoding is not one of its deliveries.
    if (!Buffer.from(text, 'utf8').equals(req.rawBody)) return jsonResult(400, { error: 'body is not valid UTF-8' });
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      payload = parsed as Record<string, unknown>;
    } catch {
      return jsonResult(400, { error: 'malformed JSON body' });
    }
    const field = malformedField(name, payload);
    if (field) {
      log.warn({ delivery_id: id, event: name, field }, 'ignored webhook: malformed payload');
      return jsonResult(400, { error: 'malformed payload', field });
    }
    // A GitHub App's deliveries name their installation on every repository event; one without it comes from a
    // repository or organization webhook pointed at this URL (GitHub's recorded examples are such). The handlers
    // could only call GitHub unauthenticated: GraphQL answers 401 (logged as a failed issue), and a private repo's
    // `.github/issue_label_bot.yaml` reads as 404, which would be cached as "no settings" for the app's own
    // deliveries of that repo. Accepted and ignored: GitHub needs no retry, and there is nothing this app may do.
    if (payload.repository != null && payload.installation == null) {
      const repo = (payload.repository as { full_name: string }).full_name;
      log.warn({ delivery_id: id, event: name, repo }, 'ignored webhook: no installation (not a GitHub App delivery)');
      return jsonResult(200, { ok: true, ignored: 'no installation' });
    }

    try {
      const receive = () =>
        init.probot.webhooks.receive({ id, name, payload } as Parameters<Probot['webhooks']['receive']>[0]);
      await (remainingMs === null
        ? receive()
        : withInvocationDeadline(
            { remainingMs, reserveMs: opts.handOffReserveMs ?? 3_000, now: () => started },
            receive,
          ));
    } catch (err) {
      // Handlers log and swallow their own failures; anything reaching here is a bug worth a 500 in GitHub's log.
      // The error (an AggregateError) carries the event, payload and all: log only what identifies it.
      log.error({ delivery_id: id, event: name, err: errorFields(err) }, 'webhook handling failed');
      return jsonResult(500, { error: 'handler failed' });
    }
    return jsonResult(200, { ok: true });
  };
}
