import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/ml');

/** Runs the real `label-bot` bin (tsx from source), as a user would after `npm ci`. */
export function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-bot.mjs'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_TOKEN: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Small hash space / folds so CLI tests stay quick. */
export const FAST_FLAGS = ['--dim', '4096', '--inner-folds', '3', '--lambdas', '1e-2,1e-3'];

/** `--json` output: exactly one line on stdout, one JSON object. */
export function oneJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}
