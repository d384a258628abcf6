/**
 * A webhook delivery as API Gateway's HTTP API (payload format 2.0) hands it to the Lambda: lower-cased headers and
 * a base64 body, the way the deployed function receives it. Shared by the Lambda tests and the bench.
 */
import type { WebhookDelivery } from './github-stand-in';

export function httpApiEvent(d: WebhookDelivery) {
  return {
    version: '2.0' as const,
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toLowerCase(), v])),
    requestContext: {
      http: { method: 'POST', path: '/webhook', protocol: 'HTTP/1.1', sourceIp: '140.82.112.1' },
      stage: '$default',
    },
    body: Buffer.from(d.body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}
