import type { Probot } from 'probot';
import { createLogger, type Logger } from '../log/logger';
import { jsonResult, normalizeHttpEvent, type HttpResult } from './http-event';
import { verifyWebhookSignature } from './signature';

/**
 * The upstream Lambda adapter, as handed over by `createLambdaFunction(app, { probot })`. It expects a v1-style
 * event with a UTF-8 body and verifies + dispatches it.
 */
export type AdapterFunction = (
  event: { httpMethod: string; path: string; headers: Record<string, string>; body: string; isBase64Encoded: false },
  context: unknown,
) => Promise<{ statusCode: number; body: string; headers?: Record<string, unknown> }>;

export interface WebhookHandlerOptions {
  /** Resolved lazily so secrets can come from SSM at cold start. */
  init: () => Promise<{ secret: string; adapter: AdapterFunction; probot?: Probot }>;
  log?: Logger;
  /** Largest accepted body; GitHub caps webhook payloads at 25 MB. */
  maxBodyBytes?: number;
}

/**
 * Wraps the adapter so that base64 bodies and any header case work, v1 and v2/function-URL events are accepted,
 * and a missing or bad signature (401) or malformed request (400) never turns into a 5xx.
 */
export function createWebhookHandler(opts: WebhookHandlerOptions) {
  const log = opts.log ?? createLogger('lambda');
  const maxBody = opts.maxBodyBytes ?? 25 * 1024 * 1024;
  let ready: ReturnType<WebhookHandlerOptions['init']> | null = null;

  return async function handler(event: unknown, context?: unknown): Promise<HttpResult> {
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
      log.error({ err: (err as Error).message }, 'initialisation failed');
      return jsonResult(500, { error: 'not initialised' });
    }
    if (!verifyWebhookSignature(init.secret, req.rawBody, signature)) {
      log.warn({ delivery_id: id, event: name }, 'rejected webhook: bad signature');
      return jsonResult(401, { error: 'bad signature' });
    }

    const text = req.rawBody.toString('utf8');
    // Invalid UTF-8 decodes lossily; the adapter re-verifies the signature over `text`, which would then fail and throw.
    if (!Buffer.from(text, 'utf8').equals(req.rawBody)) return jsonResult(400, { error: 'body is not valid UTF-8' });
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      const field = malformedField(name, parsed as Record<string, unknown>);
      if (field) {
        log.warn({ delivery_id: id, event: name, field }, 'ignored webhook: malformed payload');
        return jsonResult(400, { error: 'malformed payload', field });
      }
    } catch {
      return jsonResult(400, { error: 'malformed JSON body' });
    }

    try {
      // The adapter verifies again (cheap) and dispatches to the app's handlers.
      await init.adapter(
        {
          httpMethod: 'POST',
          path: req.path,
          headers: { 'x-github-event': name, 'x-github-delivery': id, 'x-hub-signature-256': signature, 'content-type': 'application/json' },
          body: text,
          isBase64Encoded: false,
        },
        context,
      );
    } catch (err) {
      // Handlers log and swallow their own failures; anything reaching here is a bug worth a 500 in GitHub's log.
      log.error({ delivery_id: id, event: name, err: (err as Error).message?.slice(0, 300) }, 'webhook handling failed');
      return jsonResult(500, { error: 'handler failed' });
    }
    return jsonResult(200, { ok: true });
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The fields that Probot (installation auth) and the handlers read before their own error handling. GitHub always
 * sends them well-formed, so a signed payload without them is ignored with a 400 instead of crashing into a 500.
 */
export function malformedField(event: string, p: Record<string, unknown>): string | null {
  const inst = p.installation;
  if (inst != null && !(isObject(inst) && Number.isSafeInteger(inst.id) && (inst.id as number) > 0)) return 'installation.id';
  const subject = event === 'issues' ? 'issue' : event === 'pull_request' ? 'pull_request' : null;
  const repo = p.repository;
  if (repo !== undefined || subject) {
    if (!isObject(repo) || typeof repo.full_name !== 'string' || typeof repo.name !== 'string') return 'repository';
    if (!isObject(repo.owner) || typeof repo.owner.login !== 'string') return 'repository.owner';
  }
  if (p.sender != null && !(isObject(p.sender) && typeof p.sender.login === 'string')) return 'sender';
  if (subject) {
    const item = p[subject];
    if (!isObject(item) || !Number.isSafeInteger(item.number)) return subject;
    if (item.labels != null && !Array.isArray(item.labels)) return `${subject}.labels`;
  }
  return null;
}
