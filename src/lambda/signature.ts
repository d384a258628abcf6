import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_256 = /^sha256=([0-9a-f]{64})$/i;

/**
 * Verifies `X-Hub-Signature-256` over the exact bytes GitHub sent, in constant time.
 * Done before Probot sees the event: the upstream adapter throws on a bad signature, which API Gateway turns into 502.
 */
export function verifyWebhookSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!secret || !header) return false;
  const match = SIGNATURE_256.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
