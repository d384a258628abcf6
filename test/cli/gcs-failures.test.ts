/**
 * `models list` / `publish` when GCS cannot be reached, through the real bin and the real storage client: one stderr
 * line per retry, a permanent cause (nothing listening, a name that does not resolve, no credentials) retried at most
 * once, a short 503 outage retried through to success, and a final error that names the cause and the next step.
 * Times are not asserted; the messages and the number of attempts are.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { keywordModelDir } from '../gcp-worker/harness';
import { cliAsync } from './helpers';

const BUCKET = 'fail-bucket';

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const stderrLines = (stderr: string): string[] => stderr.trim().split('\n').filter(Boolean);

describe('GCS failures in the CLI', () => {
  let gcs: GcsStandIn;
  let model: string;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: [BUCKET] });
    model = keywordModelDir({ bug: 'crash' }, 0.8);
  });
  afterAll(async () => gcs?.stop());

  const run = (args: string[], endpoint: string) =>
    cliAsync([...args, '--bucket', BUCKET], {
      env: { METADATA_SERVER_DETECTION: 'none', STORAGE_API_ENDPOINT: endpoint },
    });

  it('a closed port: one retry line, then the cause and where to look, for models list, publish and backfill --bucket', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const [listed, published, backfilled] = await Promise.all([
      run(['models', 'list', 'acme/widgets'], endpoint),
      run(['publish', 'acme/widgets', model], endpoint),
      run(['backfill', 'acme/widgets', '--dry-run'], endpoint),
    ]);
    for (const [r, command] of [
      [listed, 'models list'],
      [published, 'publish'],
      [backfilled, 'backfill'],
    ] as const) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = stderrLines(r.stderr);
      expect(lines).toEqual([
        `GCS not reachable (ECONNREFUSED 127.0.0.1:${port}), retrying 2/2…`,
        expect.stringMatching(new RegExp(`^${command} failed: GCS unavailable (reading|listing) gs://${BUCKET}/`)),
      ]);
      expect(lines[1]).toContain(
        `nothing is listening at 127.0.0.1:${port} (ECONNREFUSED): check STORAGE_API_ENDPOINT (${endpoint})`,
      );
    }
  }, 120_000);

  it('a name that does not resolve: retried once, then "cannot resolve"', async () => {
    const r = await run(['models', 'list', 'acme/widgets'], 'http://gcs.invalid');
    expect(r.code).toBe(1);
    const lines = stderrLines(r.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^GCS not reachable \((ENOTFOUND|EAI_AGAIN) gcs\.invalid\), retrying 2\/2…$/);
    expect(lines[1]).toMatch(/cannot resolve gcs\.invalid \((ENOTFOUND|EAI_AGAIN)\): check STORAGE_API_ENDPOINT/);
  }, 120_000);

  it('503 twice, then OK: a line per retry, and the publish succeeds', async () => {
    gcs.requests.length = 0;
    gcs.failNext(2, 503);
    const r = await run(['publish', 'acme/flaky', model], gcs.endpoint);
    expect(r.code, r.stderr).toBe(0);
    expect(stderrLines(r.stderr)).toEqual(['GCS answered 503, retrying 2/4…', 'GCS answered 503, retrying 3/4…']);
    expect(r.stdout).toMatch(/^published acme\/flaky \S+ \(score 0\.8000\) → gs:\/\/fail-bucket\//);
    // The first operation (the pointer read) was tried three times: two 503s, then served.
    expect(gcs.requests.filter((q) => q.status === 503)).toHaveLength(2);
    expect(gcs.requests[2]!.path).toBe(gcs.requests[0]!.path);
    expect(gcs.list(BUCKET, 'models/acme/flaky/')).toContain('models/acme/flaky/current.json');
  }, 120_000);

  it('no model in the bucket: says so at once, no retries', async () => {
    gcs.requests.length = 0;
    const r = await run(['models', 'list', 'acme/none'], gcs.endpoint);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('no models published for acme/none\n');
    expect(gcs.requests.every((q) => q.status < 500)).toBe(true);
  }, 120_000);

  it('401 (no credentials GCS accepts): not retried; says how to log in', async () => {
    gcs.requests.length = 0;
    gcs.failNext(1, 401);
    const r = await run(['publish', 'acme/auth', model], gcs.endpoint);
    expect(r.code).toBe(1);
    expect(stderrLines(r.stderr)).toEqual([
      `publish failed: GCS refused reading gs://${BUCKET}/models/acme/auth/current.json: no credentials GCS accepts: ` +
        'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a key file',
    ]);
    expect(gcs.requests).toHaveLength(1);
  }, 120_000);
});
