/**
 * Part 2 — quality side by side (CV F1, ours vs fastText, same folds, same run). The measurement is the ML core's:
 * bench/quality.ts. It runs as its own process (`tsx bench/quality.ts [--quick] --json`) so its CPU-heavy CV does
 * not share a heap with the timing parts; we take its JSON (or, failing that, its Markdown) as-is.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { REPO_ROOT } from '../lib/data';
import { figure, notMeasured, statusOf, type Figure, type PartResult } from '../lib/result';

export const QUALITY_SCRIPT = join(REPO_ROOT, 'bench', 'quality.ts');

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', QUALITY_SCRIPT, ...args], { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Pulls numeric figures out of whatever JSON bench/quality.ts prints: any `name → number` leaves, flattened. */
export function flattenNumbers(value: unknown, prefix = '', out: [string, number][] = [], depth = 0): [string, number][] {
  if (depth > 4 || out.length >= 40) return out;
  if (typeof value === 'number' && Number.isFinite(value)) out.push([prefix || 'value', value]);
  else if (Array.isArray(value)) value.forEach((v, i) => flattenNumbers(v, `${prefix}[${i}]`, out, depth + 1));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  }
  return out;
}

/** The last line of stdout that parses as a JSON object (the script may print a table before it). */
export function lastJsonObject(stdout: string): Record<string, unknown> | null {
  const trimmed = stdout.trim();
  const candidates = [trimmed, ...trimmed.split('\n').reverse()];
  for (const c of candidates) {
    try {
      const v: unknown = JSON.parse(c);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return null;
}

export async function runQuality(ctx: BenchContext): Promise<PartResult> {
  const title = '2. Quality side by side (CV F1, ours vs fastText)';
  if (!existsSync(QUALITY_SCRIPT)) {
    const figures = [notMeasured('CV macro F1, ours vs fastText', 'F1', 'bench/quality.ts (ML core) is not in the tree yet')];
    return { part: 'quality', title, status: 'not-measured', figures, notes: [] };
  }
  const args = [...(ctx.quick ? ['--quick'] : []), '--json'];
  ctx.log(`quality: tsx bench/quality.ts ${args.join(' ')}`);
  const res = await run(args, ctx.quick ? 45_000 : 20 * 60_000);
  const parsed = lastJsonObject(res.stdout);
  if (res.code !== 0 || !parsed) {
    const why = res.timedOut ? 'timed out' : `exit ${res.code}${parsed ? '' : ', no JSON on stdout'}`;
    const figures = [notMeasured('CV macro F1, ours vs fastText', 'F1', `bench/quality.ts failed: ${why}`)];
    return { part: 'quality', title, status: 'not-measured', figures, notes: [res.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400)] };
  }
  // Prefer the script's own figures when it speaks our schema; otherwise show every number it reported.
  let figures: Figure[];
  const own = parsed.figures;
  if (Array.isArray(own) && own.every((f) => f && typeof (f as Figure).name === 'string')) {
    figures = (own as Figure[]).map((f) => figure(f.name, f.value, f.unit ?? '', { ...(f.target ? { target: f.target } : {}), ...(f.note ? { note: f.note } : {}) }));
  } else {
    figures = flattenNumbers(parsed).map(([k, v]) => figure(k, v, ''));
  }
  const markdown = typeof parsed.markdown === 'string' ? parsed.markdown : undefined;
  return {
    part: 'quality',
    title,
    status: statusOf(figures),
    figures,
    notes: [`Measured by bench/quality.ts (ML core) ${ctx.quick ? 'in --quick mode' : 'in full mode'}, in its own process.`],
    details: { output: parsed, ...(markdown ? { markdown } : {}) },
  };
}
