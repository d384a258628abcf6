/** Command-line flags of bench/run.ts. */

/** The parts, in run order (bench/run.ts maps them to their code). */
export const PART_NAMES = ['inference', 'quality', 'lambda', 'worker', 'e2e', 'training'] as const;

export interface CliFlags {
  quick: boolean;
  json: boolean;
  only: string[] | null;
  /** How part 2 runs bench/quality.ts: its full CV, its quick pass, or not at all (default: full; skip with --quick). */
  quality: 'full' | 'quick' | 'skip';
  /** Delay the GitHub stand-in adds to every answer, like a real round trip to api.github.com (default 50 ms). */
  githubLatencyMs: number;
}

export function parseFlags(argv: readonly string[], known: readonly string[] = PART_NAMES): CliFlags {
  const flags: CliFlags = { quick: false, json: false, only: null, quality: 'full', githubLatencyMs: 50 };
  let quality: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') flags.quick = true;
    else if (a === '--json') flags.json = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error('--only needs a comma-separated list of parts');
      flags.only = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = flags.only.filter((p) => !known.includes(p));
      if (unknown.length) throw new Error(`unknown part(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
    } else if (a === '--quality' || a.startsWith('--quality=')) {
      quality = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (quality !== 'full' && quality !== 'quick' && quality !== 'skip')
        throw new Error('--quality takes full, quick or skip');
    } else if (a === '--github-latency-ms' || a.startsWith('--github-latency-ms=')) {
      const v = Number(a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error('--github-latency-ms takes a number of milliseconds ≥ 0');
      flags.githubLatencyMs = v;
    } else if (a === '--') continue;
    else
      throw new Error(
        `unknown flag ${a} (use --quick, --json, --only a,b, --quality full|quick|skip, --github-latency-ms N)`,
      );
  }
  flags.quality = (quality as CliFlags['quality'] | undefined) ?? (flags.quick ? 'skip' : 'full');
  return flags;
}
