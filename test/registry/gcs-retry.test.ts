/** The CLI's GCS retry policy: which failures are retried how often, and what the final error says. */
import { describe, expect, it } from 'vitest';
import { classifyGcsError, gcsRetries } from '../../src/registry/gcs-retry';
import { StoreUnavailableError } from '../../src/registry/errors';

function failing(errors: unknown[]): { op: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    op: () => {
      const err = errors[calls++];
      return err === undefined ? Promise.resolve('ok') : Promise.reject(err);
    },
    calls: () => calls,
  };
}

const fetchError = (code: string, url: string, reason: string) =>
  Object.assign(new Error(`request to ${url} failed, reason: ${reason}`), { code });

describe('gcsRetries', () => {
  const lines: string[] = [];
  const attempt = gcsRetries({ onRetry: (l) => lines.push(l), sleep: () => Promise.resolve() });

  it('retries 5xx / 429 / resets up to 3 times, a line each, and succeeds when GCS comes back', async () => {
    lines.length = 0;
    const f = failing([{ code: 503 }, { code: 429 }, fetchError('ECONNRESET', 'https://h/x', 'socket hang up')]);
    await expect(attempt('reading gs://b/x', f.op)).resolves.toBe('ok');
    expect(f.calls()).toBe(4);
    expect(lines).toEqual([
      'GCS answered 503, retrying 2/4…',
      'GCS answered 429, retrying 3/4…',
      'ECONNRESET talking to h, retrying 4/4…',
    ]);
  });

  it('gives up after 4 attempts at a 503 with an outage message', async () => {
    const f = failing(Array.from({ length: 9 }, () => ({ code: 503 })));
    const err = await attempt('reading gs://b/x', f.op).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe(
      'GCS unavailable reading gs://b/x: GCS answered 503 on every attempt: GCS may be having an outage; try again later',
    );
    expect(f.calls()).toBe(4);
  });

  it('a name that does not resolve: 2 attempts; credentials problems: 1; a 404 goes straight back', async () => {
    const dns = failing(
      Array.from({ length: 9 }, () => fetchError('EAI_AGAIN', 'https://storage.googleapis.com/x', 'x')),
    );
    await expect(attempt('listing gs://b/m/', dns.op)).rejects.toThrow(
      'GCS unavailable listing gs://b/m/: cannot resolve storage.googleapis.com (EAI_AGAIN): check the network, or set STORAGE_API_ENDPOINT',
    );
    expect(dns.calls()).toBe(2);
    const noCreds = failing([new Error('Could not load the default credentials. Browse to …')]);
    await expect(attempt('reading gs://b/x', noCreds.op)).rejects.toThrow(/no credentials GCS accepts: run `gcloud/);
    expect(noCreds.calls()).toBe(1);
    const notFound = { code: 404, message: 'No such object' };
    await expect(attempt('reading gs://b/x', failing([notFound]).op)).rejects.toBe(notFound);
  });

  it('names a missing key file and a rejected refresh token', () => {
    const missing = classifyGcsError(new Error('The file at /k.json does not exist, or it is not a file. ENOENT'));
    expect(missing).toEqual({
      kind: 'credentials',
      advice: expect.stringMatching(/^GOOGLE_APPLICATION_CREDENTIALS names \/k\.json, which does not exist/),
    });
    const grant = classifyGcsError({ code: 400, response: { data: { error: 'invalid_grant' } } });
    expect(grant).toMatchObject({ kind: 'credentials', advice: expect.stringContaining('invalid_grant') });
    expect(classifyGcsError({ code: 412 })).toBeNull();
  });
});
