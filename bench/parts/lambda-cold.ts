/**
 * The Lambda bench's out-of-process parts: a cold start in a fresh Node process (bench/lambda-cold-start.cjs loads
 * the packaged bundle and answers one event) and what the packaged zip holds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/data';

export interface ColdSample {
  bootMs: number;
  initMs: number;
  firstResponseMs: number;
  githubMs: number;
  githubCalls: number;
  status: number;
  wallMs: number;
}

export function coldStart(bundleFile: string, event: unknown, env: Record<string, string>): Promise<ColdSample> {
  const dir = mkdtempSync(join(tmpdir(), 'label-bot-bench-cold-'));
  const eventFile = join(dir, 'event.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // Async spawn: the stand-in and Pub/Sub fake in this process must keep answering the child.
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'lambda-cold-start.cjs'), bundleFile, eventFile], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const wallMs = performance.now() - t0;
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as ColdSample & { error?: string };
        if (code !== 0 || r.error) throw new Error(r.error ?? `exit ${code}`);
        resolve({ ...r, wallMs });
      } catch (e) {
        reject(
          new Error(
            `cold start probe failed: ${(e as Error).message}; ${err.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`,
          ),
        );
      }
    });
  });
}

export function zipInfo(): { zipBytes: number; zipMtime: string; entries: { name: string; bytes: number }[] } | null {
  const zip = join(REPO_ROOT, '.serverless', 'label-bot.zip');
  if (!existsSync(zip)) return null;
  const st = statSync(zip);
  const entries: { name: string; bytes: number }[] = [];
  const r = spawnSync('unzip', ['-l', zip], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status === 0) {
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
      if (m && !m[2]!.endsWith('/')) entries.push({ name: m[2]!.trim(), bytes: Number(m[1]) });
    }
  }
  entries.sort((a, b) => b.bytes - a.bytes);
  return { zipBytes: st.size, zipMtime: st.mtime.toISOString(), entries: entries.slice(0, 5) };
}
