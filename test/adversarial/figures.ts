/**
 * Figures collector. Each adversarial test file counts what it tried and what went wrong while it runs, and its
 * `afterAll` merges those counts into test/adversarial/figures.json (one section per file, so running one file
 * refreshes its own section and keeps the others) and re-renders docs/adversarial-figures.md from the whole JSON.
 * Files run in separate worker processes, so the read-modify-write is guarded by a lock directory.
 * Counts depend only on seeded inputs and fixed loops, never on timing, so the output is stable enough to commit; the
 * exceptions, comment creations under races (how many racers read before the first wrote), are marked as such.
 */
import { mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const METRICS = {
  deliveries_tried: 'Webhook / Pub/Sub deliveries tried (incl. duplicates and redeliveries)',
  duplicates_produced: 'Duplicates produced (extra bot comments, extra label events, extra writes after the first)',
  faults_injected:
    'Faults injected (GitHub 5xx / timeouts / rate limits, GCS outage / corrupt model, Pub/Sub redelivery, SIGKILL, publish failure)',
  kills: 'Worker processes killed (SIGKILL) with a message in flight',
  issues_lost: 'Issues lost (neither labeled nor dead-lettered) or labeled twice',
  bad_inputs_tried: 'Bad inputs tried (fuzzed bodies, bad signatures, hostile config issues)',
  crashes: 'Crashes (5xx from a crash, thrown handler, process exit, bad config applied)',
  log_lines_scanned:
    'Log lines scanned for secrets and private issue text (each file rounded down to 100: the count varies by a few lines with timing)',
  leaks: 'Secrets or private issue text found in logs',
  race_issues: 'Issues raced by 10 parallel deliveries to 10 separate processes (Lambda runtimes, worker instances)',
  race_comment_creations:
    'Bot comments created on those issues, counted by the GitHub stand-in (each notifies; the end state keeps one)',
  race_max_comment_creations: 'Most bot comments created on one raced issue',
} as const;
export type Metric = keyof typeof METRICS;

/** Figures that must be zero for the suite to be green. */
export const MUST_BE_ZERO: Metric[] = ['duplicates_produced', 'issues_lost', 'crashes', 'leaks'];
/** Figures combined across files by their maximum, not their sum. */
const BY_MAX: Metric[] = ['race_max_comment_creations'];
/**
 * Figures that depend on scheduling, not only on seeded inputs and fixed loops: how many racers read before the first
 * one wrote. Seeded latency keeps them in a narrow band; they are measured, not required.
 */
const TIMING_DEPENDENT: Metric[] = ['race_comment_creations', 'race_max_comment_creations'];

const here = dirname(fileURLToPath(import.meta.url));
export const FIGURES_JSON = join(here, 'figures.json');
export const FIGURES_MD = join(here, '..', '..', 'docs', 'adversarial-figures.md');
/** The README carries the totals table between these markers, so its figures are the suite's, never typed by hand. */
export const README = join(here, '..', '..', 'README.md');
const README_START = '<!-- adversarial-figures:start -->';
const README_END = '<!-- adversarial-figures:end -->';
const LOCK = join(here, '.figures.lock');

export type Section = Partial<Record<Metric, number>>;

export class Figures {
  readonly counts: Section = {};
  constructor(readonly section: string) {}

  add(metric: Metric, n = 1): void {
    this.counts[metric] = (this.counts[metric] ?? 0) + n;
  }

  /** Merge this file's counts into figures.json and re-render the Markdown table. */
  flush(): void {
    withLock(() => {
      const all = readAll();
      all[this.section] = { ...this.counts };
      const sorted = Object.fromEntries(
        Object.keys(all)
          .sort()
          .map((k) => [k, all[k]!]),
      );
      writeAtomic(FIGURES_JSON, `${JSON.stringify(sorted, null, 2)}\n`);
      writeAtomic(FIGURES_MD, renderMarkdown(sorted));
      updateReadme(sorted);
    });
  }
}

function readAll(): Record<string, Section> {
  try {
    return JSON.parse(readFileSync(FIGURES_JSON, 'utf8')) as Record<string, Section>;
  } catch {
    return {};
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: the one process that creates the directory holds the lock. Bounded wait; stale locks expire. */
function withLock(fn: () => void): void {
  for (let i = 0; i < 500; i++) {
    try {
      mkdirSync(LOCK);
      try {
        fn();
      } finally {
        rmdirSync(LOCK);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 30_000) rmdirSync(LOCK);
      } catch {
        /* removed by its owner meanwhile */
      }
      sleepSync(20);
    }
  }
  throw new Error('could not take the figures lock');
}

export function totals(all: Record<string, Section>): Section {
  const sum: Section = {};
  for (const section of Object.values(all)) {
    for (const [k, v] of Object.entries(section)) {
      const m = k as Metric;
      sum[m] = BY_MAX.includes(m) ? Math.max(sum[m] ?? 0, v ?? 0) : (sum[m] ?? 0) + (v ?? 0);
    }
  }
  return sum;
}

function totalsTable(sum: Section): string[] {
  const label = (m: Metric) => `${METRICS[m]}${TIMING_DEPENDENT.includes(m) ? ' (timing-dependent)' : ''}`;
  const raced = sum.race_issues ?? 0;
  return [
    '| Figure | Count | Required |',
    '| --- | ---: | :---: |',
    ...(Object.keys(METRICS) as Metric[]).map(
      (m) => `| ${label(m)} | ${sum[m] ?? 0} | ${MUST_BE_ZERO.includes(m) ? '0' : ''} |`,
    ),
    ...(raced > 0
      ? [
          `| Bot comments created per raced issue, mean (timing-dependent) | ${((sum.race_comment_creations ?? 0) / raced).toFixed(2)} |  |`,
        ]
      : []),
  ];
}

function updateReadme(all: Record<string, Section>): void {
  let text: string;
  try {
    text = readFileSync(README, 'utf8');
  } catch {
    return;
  }
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return;
  const table = totalsTable(totals(all)).join('\n');
  writeAtomic(README, `${text.slice(0, start + README_START.length)}\n${table}\n${text.slice(end)}`);
}

export function renderMarkdown(all: Record<string, Section>): string {
  const sum = totals(all);
  const sections = Object.keys(all);
  const lines = [
    '<!-- Generated by the adversarial suite (test/adversarial/figures.ts); do not edit by hand. -->',
    '# Adversarial figures',
    '',
    'Produced by `npx vitest run test/adversarial`: every number is counted by the tests while they run',
    '(seeded fuzzing, fixed loops), summed over the test files below. Figures marked timing-dependent count how many',
    'racers read before the first one wrote, which moves with scheduling from run to run.',
    '',
    ...totalsTable(sum),
    '',
    '## Per test file',
    '',
    `| Metric | ${sections.join(' | ')} |`,
    `| --- | ${sections.map(() => '---:').join(' | ')} |`,
    ...(Object.keys(METRICS) as Metric[]).map(
      (m) => `| \`${m}\` | ${sections.map((s) => all[s]![m] ?? 0).join(' | ')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
