import { createHmac } from 'node:crypto';

/** What GitHub puts in X-Hub-Signature-256. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const WEBHOOK_SECRET = 'lambda-test-secret';

export interface SignedEventOptions {
  secret?: string;
  event?: string;
  delivery?: string;
  headerCase?: 'lower' | 'canonical' | 'upper';
  omit?: string[];
  signature?: string;
}

function headers(body: string, o: SignedEventOptions): Record<string, string> {
  const h: Record<string, string> = {
    'X-GitHub-Event': o.event ?? 'issues',
    'X-GitHub-Delivery': o.delivery ?? 'delivery-1',
    'X-Hub-Signature-256': o.signature ?? signWebhookBody(o.secret ?? WEBHOOK_SECRET, body),
    'Content-Type': 'application/json',
  };
  for (const k of o.omit ?? []) delete h[k];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    out[o.headerCase === 'lower' ? k.toLowerCase() : o.headerCase === 'upper' ? k.toUpperCase() : k] = v;
  return out;
}

/** API Gateway REST API (payload v1). */
export function v1Event(payload: unknown, o: SignedEventOptions & { base64?: boolean; rawBody?: string } = {}) {
  const body = o.rawBody ?? JSON.stringify(payload);
  return {
    resource: '/webhook',
    path: '/webhook',
    httpMethod: 'POST',
    headers: headers(body, { headerCase: 'canonical', ...o }),
    multiValueHeaders: {},
    queryStringParameters: null,
    requestContext: { stage: 'prod' },
    body: o.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: Boolean(o.base64),
  };
}

/** HTTP API (payload v2) and Lambda function URLs: lower-case headers, base64 common. */
export function v2Event(payload: unknown, o: SignedEventOptions & { base64?: boolean; rawBody?: string } = {}) {
  const body = o.rawBody ?? JSON.stringify(payload);
  return {
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: headers(body, { headerCase: 'lower', ...o }),
    requestContext: {
      http: { method: 'POST', path: '/webhook', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1' },
      stage: '$default',
    },
    body: o.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: Boolean(o.base64),
  };
}
