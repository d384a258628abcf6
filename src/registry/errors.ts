/**
 * Registry failures fall in two kinds the worker treats differently:
 * a corrupt model is a property of the artifact (skip it, fall back, count it), while an unavailable store is a
 * property of the moment (retry the message later; never mark a model bad because GCS was down).
 */
export class ModelCorruptError extends Error {
  override readonly name = 'ModelCorruptError';
  constructor(
    readonly where: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${message}`, options);
  }
}

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No level of the chain (repo → org → universal) had a loadable model. */
export class NoModelError extends Error {
  override readonly name = 'NoModelError';
}

interface GcsErrorShape {
  code?: number | string;
  message?: string;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

export function isNotFound(err: unknown): boolean {
  return (err as GcsErrorShape | null)?.code === 404;
}

export function isPreconditionFailed(err: unknown): boolean {
  return (err as GcsErrorShape | null)?.code === 412;
}

export function isHashMismatch(err: unknown): boolean {
  return (err as GcsErrorShape | null)?.code === 'CONTENT_DOWNLOAD_MISMATCH';
}

export function isStoreUnavailable(err: unknown): boolean {
  const code = (err as GcsErrorShape | null)?.code;
  if (typeof code === 'number') return code >= 500 || code === 429 || code === 408;
  if (typeof code === 'string') return NETWORK_CODES.has(code);
  return false;
}
