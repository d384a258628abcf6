/** `label-bot publish | rollback | models list` through commander, against the GCS stand-in. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsListCli, register as registerModels } from '../../src/cli/commands/models';
import { publishCli, register as registerPublish } from '../../src/cli/commands/publish';
import { rollbackCli, register as registerRollback } from '../../src/cli/commands/rollback';
import type { RegistryCliIo } from '../../src/registry/cli-support';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { keywordModelDir } from '../gcp-worker/harness';

const ROOT = resolve(__dirname, '../..');

describe('registry CLI commands', () => {
  let gcs: GcsStandIn;
  let out: string[];
  let err: string[];
  let io: RegistryCliIo;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: ['cli-bucket'] });
    out = [];
    err = [];
    io = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: { LABEL_BOT_BUCKET: 'cli-bucket', STORAGE_API_ENDPOINT: gcs.endpoint },
    };
  });
  afterAll(async () => gcs?.stop());

  it('registers publish, rollback and models list on a commander program', () => {
    const program = new Command();
    registerPublish(program);
    registerRollback(program);
    registerModels(program);
    expect(program.commands.map((c) => c.name()).sort()).toEqual(['models', 'publish', 'rollback']);
    expect(program.commands.find((c) => c.name() === 'models')?.commands.map((c) => c.name())).toEqual(['list']);
  });

  it('publishes, refuses a worse model (exit 2) unless --force, lists with current marked, rolls back', async () => {
    expect(await publishCli('acme/widgets', keywordModelDir({ bug: 'crash' }, 0.8), {}, io)).toBe(0);
    expect(await publishCli('acme/widgets', keywordModelDir({ bug: 'crash' }, 0.7), {}, io)).toBe(2);
    expect(err.join('')).toMatch(/worse than current/);
    expect(await publishCli('acme/widgets', keywordModelDir({ bug: 'crash' }, 0.7), { force: true }, io)).toBe(0);

    out.length = 0;
    expect(await modelsListCli('acme/widgets', {}, io)).toBe(0);
    const lines = out.join('').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^\*\s+\S+\s+0\.7000/);
    expect(lines[1]).toMatch(/^\s+\S+\s+0\.8000/);

    out.length = 0;
    expect(await rollbackCli('acme/widgets', {}, io)).toBe(0);
    expect(out.join('')).toMatch(/rolled back acme\/widgets: \S+ → \S+/);
    out.length = 0;
    await modelsListCli('acme/widgets', { json: true }, io);
    const listing = JSON.parse(out.join('')) as { current: string; versions: { version: string; score: number }[] };
    expect(listing.versions.find((v) => v.version === listing.current)?.score).toBe(0.8);
  });

  it('`label-bot publish` / `models list` work through bin/label-bot.mjs', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolveRun) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/label-bot.mjs'), ...args], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            METADATA_SERVER_DETECTION: 'none',
            LABEL_BOT_BUCKET: 'cli-bucket',
            STORAGE_API_ENDPOINT: gcs.endpoint,
          },
        });
        let o = '';
        let e = '';
        child.stdout.on('data', (d: Buffer) => (o += d.toString()));
        child.stderr.on('data', (d: Buffer) => (e += d.toString()));
        child.on('exit', (code) => resolveRun({ code, out: o, err: e }));
      });
    const published = await run(['publish', 'acme/bin', keywordModelDir({ bug: 'crash' }, 0.8)]);
    expect(published.err).toBe('');
    expect(published.code).toBe(0);
    expect(published.out).toMatch(
      /^published acme\/bin \S+ \(score 0\.8000\) → gs:\/\/cli-bucket\/models\/acme\/bin\/current\.json/,
    );
    const listed = await run(['models', 'list', 'acme/bin']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^\*\s+\S+\s+0\.8000/m);
  }, 120_000);

  it('publishing the same files again moves nothing and says so; the same files as an older version are refused with the rollback to use', async () => {
    const a = keywordModelDir({ bug: 'same' }, 0.8123456789);
    out.length = 0;
    expect(await publishCli('acme/same', a, {}, io)).toBe(0);
    expect(out.join('')).toMatch(/^published acme\/same (\S+) \(score 0\.8123\) → /);
    const first = /^published acme\/same (\S+)/.exec(out.join(''))![1]!;
    out.length = 0;
    expect(await publishCli('acme/same', keywordModelDir({ bug: 'same' }, 0.8123456789), {}, io)).toBe(0);
    expect(out.join('')).toBe(
      `unchanged: acme/same is already at ${first}, the same model (score 0.8123); nothing published\n`,
    );

    expect(await publishCli('acme/same', keywordModelDir({ bug: 'other' }, 0.9), {}, io)).toBe(0);
    err.length = 0;
    expect(await publishCli('acme/same', a, { force: true }, io)).toBe(2);
    expect(err.join('')).toBe(
      `publish failed: this model is already published as ${first} (not current); to make it current: label-bot rollback acme/same --to ${first}\n`,
    );
    out.length = 0;
    await modelsListCli('acme/same', { json: true }, io);
    expect((JSON.parse(out.join('')) as { versions: unknown[] }).versions).toHaveLength(2);
  });

  it('fails clearly without a bucket', async () => {
    const errs: string[] = [];
    const code = await publishCli(
      'a/b',
      keywordModelDir({ bug: 'x' }),
      {},
      { stdout: () => undefined, stderr: (t) => errs.push(t), env: {} },
    );
    expect(code).toBe(1);
    expect(errs.join('')).toMatch(/--bucket or set LABEL_BOT_BUCKET/);
  });
});
