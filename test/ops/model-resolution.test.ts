/**
 * backfill resolves its model like the worker: `--bucket` goes through the GCS registry (repo → org → universal),
 * `--model DIR` loads a directory; both with the ML core's real ONNX loaders (nothing injected here).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Storage } from '@google-cloud/storage';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerBackfill } from '../../src/cli/commands/backfill';
import { readJsonl } from '../../src/ml/dataset';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel } from '../../src/ml/train';
import type { BackfillRow } from '../../src/ops/backfill';
import { GcsModelStore, parseScope, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { apiWrites, REPO, seedRepo } from './fixtures/stand-in-repo';

let github: GitHubStandIn;
let gcs: GcsStandIn;
let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ops-models-'));
  const rows = readJsonl('test/fixtures/ml/issues-small.jsonl');
  const model = trainModel(rows, { seed: 1 });
  writeModelDir(join(dir, 'universal'), model, { name: 'universal-test', createdAt: '2026-01-01T00:00:00Z' });
  writeModelDir(join(dir, 'org'), model, { name: 'acme-org-test', createdAt: '2026-01-02T00:00:00Z' });
  gcs = await startGcsStandIn({ buckets: ['models'] });
  storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'test', retryOptions: { autoRetry: false } });
  const store = new GcsModelStore(storage, 'models');
  await publishModel({ store, scope: parseScope('*'), dir: join(dir, 'universal') });
  await publishModel({ store, scope: parseScope('acme/*'), dir: join(dir, 'org') });
  github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  seedRepo(github);
  github.counters.reset();
});
afterAll(async () => {
  await github?.close();
  await gcs?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function backfill(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stderr: string; rows: BackfillRow[] }> {
  const out = new PassThrough();
  const err = new PassThrough() as PassThrough & { isTTY?: boolean };
  err.isTTY = false;
  let stderr = '';
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  out.resume();
  const outFile = join(dir, `rows-${Math.random().toString(36).slice(2)}.jsonl`);
  const program = new Command().exitOverride();
  registerBackfill(program, {
    env: { GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, ...env },
    stdout: out,
    stderr: err,
    storage,
  });
  await program.parseAsync(['backfill', REPO, '--dry-run', '--state', 'all', '--out', outFile, ...args], {
    from: 'user',
  });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  const rows =
    code === 0
      ? (await readFile(outFile, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as BackfillRow)
      : [];
  return { code, stderr, rows };
}

describe('backfill model resolution', () => {
  it('--bucket resolves through the registry like the worker: no repo model for acme/widgets, so the org model', async () => {
    const run = await backfill(['--bucket', 'models']);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/with model acme-org-test\S* from gs:\/\/models \(acme\/\*\)/);
    expect(run.rows).toHaveLength(7);
    expect(new Set(run.rows.map((r) => r.modelVersion)).size).toBe(1);
    expect(run.rows[0]?.modelVersion).toMatch(/^acme-org-test/);
    expect(apiWrites(github)).toEqual([]);
  });

  it('--model DIR loads the directory with the real ONNX loader', async () => {
    const run = await backfill(['--model', join(dir, 'universal')]);
    expect(run.code).toBe(0);
    expect(run.rows[0]?.modelVersion).toMatch(/^universal-test/);
    // every row carries real scores from the ONNX graph, in [0, 1]
    for (const r of run.rows) for (const c of r.chosen) expect(c.score).toBeGreaterThanOrEqual(0);
  });

  it('--model wins over an exported LABEL_BOT_BUCKET (docs/gcp.md exports it; docs/ops.md then passes --model)', async () => {
    const run = await backfill(['--model', join(dir, 'universal')], { LABEL_BOT_BUCKET: 'models' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.rows[0]?.modelVersion).toMatch(/^universal-test/);
  });

  it('refuses --model and --bucket together', async () => {
    const run = await backfill(['--model', join(dir, 'universal'), '--bucket', 'models']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pass either --model or --bucket, not both');
  });
});
