/**
 * Retries for the operator's CLI talking to GCS, so a failure is neither silent nor slow, and ends with its cause.
 *
 * The storage client's own retries are invisible (about 19 s of silence offline) and blind to the cause: it retries a
 * DNS failure as patiently as a 503. Here each failure is classified first:
 * - transient (5xx, 429, 408, timeouts, resets): retried with the client's default budget (3 retries), doubling delays;
 * - unreachable (the host does not resolve, or refuses the connection): retried once, in case it was a blip;
 * - credentials (none found, rejected, or a GOOGLE_APPLICATION_CREDENTIALS file that is not there): not retried;
 * - anything else (404, 412, a checksum mismatch): not GCS being unavailable, so it goes back to the caller at once.
 * Every retry prints one line, and the final error names the cause and what to do next.
 */
import { StoreUnavailableError } from './errors';

export type GcsFailure =
  | { kind: 'transient'; reason: string }
  | { kind: 'unreachable'; code: string; host: string }
  | { kind: 'credentials'; advice: string };

const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);
const TRANSIENT = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);
const LOGIN = 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a key file';

interface ErrorShape {
  code?: number | string;
  message?: string;
  response?: { data?: { error?: unknown } };
}

/** The host a network error was about: from "request to URL failed" or "getaddrinfo ENOTFOUND host". */
function hostOf(message: string): string {
  const url = /request to (\S+) failed/.exec(message)?.[1];
  if (url) {
    try {
      return new URL(url).host;
    } catch {
      // fall through to the resolver's own wording
    }
  }
  return /(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED) (\S+)/.exec(message)?.[1] ?? 'the storage endpoint';
}

/** What kind of failure `err` is, or null when it is not about reaching GCS (the caller handles 404, 412 …). */
export function classifyGcsError(err: unknown): GcsFailure | null {
  const e = (err ?? {}) as ErrorShape;
  const message = typeof e.message === 'string' ? e.message : '';
  if (message.includes('Could not load the default credentials') || e.code === 401)
    return { kind: 'credentials', advice: `no credentials GCS accepts: ${LOGIN}` };
  const missingKey = /The file at (.+?) does not exist/.exec(message);
  if (missingKey)
    return {
      kind: 'credentials',
      advice: `GOOGLE_APPLICATION_CREDENTIALS names ${missingKey[1]}, which does not exist: fix the path, or unset it and run \`gcloud auth application-default login\``,
    };
  if (e.response?.data?.error === 'invalid_grant')
    return { kind: 'credentials', advice: `the credentials were rejected (invalid_grant): ${LOGIN}` };
  if (e.code === 403)
    return {
      kind: 'credentials',
      advice: `permission denied (${message}): the account in use cannot do this; check \`gcloud auth list\` and the bucket's IAM roles`,
    };
  if (typeof e.code === 'number') {
    if (e.code >= 500 || e.code === 429 || e.code === 408)
      return { kind: 'transient', reason: `GCS answered ${e.code}` };
    return null;
  }
  if (typeof e.code === 'string') {
    if (UNREACHABLE.has(e.code)) return { kind: 'unreachable', code: e.code, host: hostOf(message) };
    if (TRANSIENT.has(e.code)) return { kind: 'transient', reason: `${e.code} talking to ${hostOf(message)}` };
  }
  return null;
}

/** The last line of a failure: the cause, then the next step. `endpoint` is STORAGE_API_ENDPOINT when one is set. */
export function explainGcsFailure(f: GcsFailure, endpoint?: string): string {
  if (f.kind === 'credentials') return f.advice;
  if (f.kind === 'transient') return `${f.reason} on every attempt: GCS may be having an outage; try again later`;
  const where = endpoint
    ? `check STORAGE_API_ENDPOINT (${endpoint})`
    : 'check the network, or set STORAGE_API_ENDPOINT to use another GCS endpoint';
  if (f.code === 'ECONNREFUSED') return `nothing is listening at ${f.host} (ECONNREFUSED): ${where}`;
  return `cannot resolve ${f.host} (${f.code}): ${where}`;
}

export interface GcsRetryOptions {
  /** Where the retry lines go (the CLI's stderr). */
  onRetry: (line: string) => void;
  /** Retries of a transient failure; 3, the storage client's default. */
  retries?: number;
  /** Retries when the host does not resolve or refuses the connection. */
  unreachableRetries?: number;
  /** The first delay; it doubles on each retry, plus up to 25 % jitter. */
  initialDelayMs?: number;
  /** STORAGE_API_ENDPOINT, for the advice in the final error. */
  endpoint?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs one GCS operation (`what` reads like "reading gs://bucket/path") under the policy above. */
export type GcsAttempt = <T>(what: string, op: () => Promise<T>) => Promise<T>;

export function gcsRetries(opts: GcsRetryOptions): GcsAttempt {
  const retries = opts.retries ?? 3;
  const unreachableRetries = opts.unreachableRetries ?? 1;
  const initial = opts.initialDelayMs ?? 1_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Operations run side by side (`models list` reads the pointer and lists versions at once) and usually fail for
  // the same reason: they share one wait and one line per retry, not one each.
  const waits = new Map<string, Promise<void>>();
  return async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        const failure = classifyGcsError(err);
        if (!failure) throw err;
        if (failure.kind === 'credentials')
          throw new Error(`GCS refused ${what}: ${explainGcsFailure(failure)}`, { cause: err });
        const budget = failure.kind === 'transient' ? retries : unreachableRetries;
        if (attempt > budget)
          throw new StoreUnavailableError(`GCS unavailable ${what}: ${explainGcsFailure(failure, opts.endpoint)}`, {
            cause: err,
          });
        const why =
          failure.kind === 'unreachable' ? `GCS not reachable (${failure.code} ${failure.host})` : failure.reason;
        const line = `${why}, retrying ${attempt + 1}/${budget + 1}…`;
        let wait = waits.get(line);
        if (!wait) {
          opts.onRetry(line);
          const delay = initial * 2 ** (attempt - 1);
          wait = sleep(delay + Math.floor(Math.random() * delay * 0.25)).finally(() => waits.delete(line));
          waits.set(line, wait);
        }
        await wait;
      }
    }
  };
}
