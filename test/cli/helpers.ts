import { spawn, spawnSync } from 'node:child_process';
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

/**
 * The real bin, without blocking this process: for commands that talk to a stand-in running in the test process.
 * Only PATH is inherited, so no token or endpoint leaks in from the caller's environment.
 */
export function cliAsync(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/label-bot.mjs'), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { PATH: process.env.PATH, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Small hash space / folds so CLI tests stay quick. */
export const FAST_FLAGS = ['--dim', '4096', '--inner-folds', '3', '--lambdas', '1e-2,1e-3'];

/** `--json` output: exactly one line on stdout, one JSON object. */
export function oneJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}
