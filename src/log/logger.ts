import pino, { type Logger } from 'pino';
import { errorFields } from './error-fields';

/**
 * Secrets must never reach a log line, whatever a caller passes in.
 * Redaction covers the usual places a token, key or signature hides in structured logs.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-hub-signature"]',
  'headers["x-hub-signature-256"]',
  'req.headers.authorization',
  'private_key',
  '*.private_key',
  // Issue text (private repos): Probot's debug request log prints request parameters, e.g. the body of a cc PATCH.
  'body',
  '*.body',
  'title',
  '*.title',
];

/**
 * Errors are logged as {@link errorFields} only. pino's default serializer copies every enumerable property of an
 * error, and the errors that reach a logger carry too much: Octokit's a `request` with its headers, and the errors
 * Probot's webhook error handler logs an `event` with the whole webhook payload (issue titles and bodies).
 */
export function serializeError(value: unknown): unknown {
  return value instanceof Error ? errorFields(value) : value;
}

export function createLogger(name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
