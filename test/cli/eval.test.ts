import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { small, tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, FIXTURES, oneJson } from './helpers';

const SMALL = join(FIXTURES, 'issues-small.jsonl');
const TEST = join(FIXTURES, 'issues-test.jsonl');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('label-bot eval', () => {
  it('--train --test --per-repo --json prints exactly one JSON object with score, per-repo and per-label metrics', () => {
    const r = cli(['eval', '--train', SMALL, '--test', TEST, '--per-repo', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    const j = oneJson(r.stdout);
    expect(typeof j.score).toBe('number');
    expect(j.perRepo).toBe(true);
    expect(j.n).toBe(4);
    const repos = j.repos as Record<
      string,
      { macroF1: number; perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }> }
    >;
    expect(Object.keys(repos).sort()).toEqual(['acme/gadgets', 'acme/widgets']);
    expect(j.score).toBeCloseTo((repos['acme/gadgets']!.macroF1 + repos['acme/widgets']!.macroF1) / 2, 10);
    const perLabel = j.perLabel as Record<string, { support: number }>;
    expect(Object.keys(perLabel).sort()).toEqual(['bug', 'feature', 'question']);
    expect(perLabel.bug!.support).toBe(1);
    // The 'documentation' test label is unknown to the model: counted and reported.
    expect(j.unknownLabels).toEqual({ documentation: 1 });
    expect(j.unknownLabelCount).toBe(1);
  });

  it('--cv 3 --json cross-validates one file', () => {
    const r = cli(['eval', '--train', SMALL, '--cv', '3', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    const j = oneJson(r.stdout);
    expect(j.mode).toBe('cv');
    expect(j.folds).toBe(3);
    expect(j.n).toBe(60);
    expect(j.score as number).toBeGreaterThan(0.7);
    expect(j.score).toBe(j.macroF1);
  });

  it('train, then eval --model on a test file, predict, and --report writes a card and one SVG per label', () => {
    const dir = join(tmp.dir, 'model');
    const t = cli(['train', '--data', SMALL, '--out', dir, '--name', 'fixture', ...FAST_FLAGS]);
    expect(t.status, t.stderr).toBe(0);
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);

    const report = join(tmp.dir, 'report');
    const e = cli(['eval', '--model', dir, '--test', TEST, '--json', '--report', report]);
    expect(e.status, e.stderr).toBe(0);
    const j = oneJson(e.stdout);
    expect(j.mode).toBe('model-test');
    expect(j.unknownLabelCount).toBe(1);
    const files = readdirSync(report).sort();
    expect(files).toEqual(['model-card.md', 'pr-bug.svg', 'pr-feature.svg', 'pr-question.svg']);
    const card = readFileSync(join(report, 'model-card.md'), 'utf8');
    expect(card).toMatch(/\| bug \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 1 \|/);
    expect(card).toContain('documentation ×1');
    expect(readFileSync(join(report, 'pr-bug.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    // One model scored every row: its own thresholds, in the card and marked on each curve.
    const own = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { thresholds: (number | null)[] })
      .thresholds[0]!;
    expect(card).toMatch(new RegExp(`^- fixture@[0-9a-f]{12}: bug ${own.toFixed(3)}, `, 'm'));
    expect(readFileSync(join(report, 'pr-bug.svg'), 'utf8')).toMatch(
      new RegExp(`>threshold ${own.toFixed(3)}( \\(above every score\\))?<`),
    );

    const p = cli(['predict', '--model', dir, '--title', 'How can I configure the cache?', '--body', 'Any docs?']);
    expect(p.status, p.stderr).toBe(0);
    const pj = oneJson(p.stdout);
    expect(pj.model).toMatch(/^fixture@[0-9a-f]{12}$/);
    expect((pj.scores as unknown[]).length).toBe(3);

    const stdin = [
      '{"title":"Parser crashes on save","body":null}',
      '',
      '{"title":"Add dark mode","body":"It would be nice"}',
    ].join('\n');
    const ps = cli(['predict', '--model', dir], stdin);
    expect(ps.status, ps.stderr).toBe(0);
    expect(ps.stdout.trim().split('\n')).toHaveLength(2);

    const bad = cli(['predict', '--model', dir], '{"title":"ok"}\nnot json\n');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/<stdin>:2: malformed JSON/);
  });

  it('--cv-by repo --json: leave-one-repo-out with the universal recipe; each held-out repo scored, score = their mean', () => {
    // The small fixture over four repos (round-robin within each label): each outer training set has three repos,
    // so the trainer runs its own leave-one-repo-out inside.
    const seen = new Map<string, number>();
    const rows = small().map((r) => {
      const k = seen.get(r.labels[0]!) ?? 0;
      seen.set(r.labels[0]!, k + 1);
      return { ...r, repo: ['o/a', 'o/b', 'o/c', 'o/d'][k % 4]! };
    });
    const file = join(tmp.dir, 'four-repos.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = cli(['eval', '--train', file, '--cv-by', 'repo', '--json', '--dim', '4096', '--lambdas', '1e-2,1e-3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/at least 3 repos/);
    const j = oneJson(r.stdout);
    expect(j.mode).toBe('loro');
    expect(j.folds).toBe(4);
    expect(j.n).toBe(60);
    const repos = j.repos as Record<string, { macroF1: number; applied: { precision: number; coverage: number } }>;
    expect(Object.keys(repos)).toEqual(['o/a', 'o/b', 'o/c', 'o/d']);
    expect(j.score).toBeCloseTo(Object.values(repos).reduce((a, g) => a + g.macroF1, 0) / 4, 10);
    const applied = j.applied as { precision: number; coverage: number };
    expect(applied.coverage).toBeGreaterThanOrEqual(0);
    expect(applied.coverage).toBeLessThanOrEqual(1);
    expect(Object.keys(j.models as object)).toEqual(['o/a', 'o/b', 'o/c', 'o/d']);

    const mixed = cli(['eval', '--train', file, '--cv-by', 'repo', '--cv', '3']);
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toMatch(/--cv-by repo cannot be combined/);
    const bad = cli(['eval', '--train', file, '--cv-by', 'org']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/must be repo/);
  });

  it('a malformed JSONL line: the error names the file and line number', () => {
    const bad = join(FIXTURES, 'malformed.jsonl');
    const r = cli(['eval', '--train', bad, '--test', TEST, '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${bad}:3: malformed JSON`);
  });

  it('a missing model directory: the error names the file', () => {
    const r = cli(['eval', '--model', join(tmp.dir, 'nope'), '--test', TEST, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(tmp.dir, 'nope', 'model.json'));
  });

  it('--help works for the program and every command', async () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['train', 'eval', 'predict', 'fetch-issues']) expect(r.stdout).toContain(c);
    // Per-command help in-process (spawning tsx per command is slow on a shared box).
    const { Command } = await import('commander');
    for (const c of ['train', 'eval', 'predict', 'fetch-issues']) {
      const mod = (await import(`../../src/cli/commands/${c}.ts`)) as {
        register: (p: InstanceType<typeof Command>) => void;
      };
      const program = new Command('label-bot');
      mod.register(program);
      const sub = program.commands.find((x) => x.name() === c)!;
      expect(sub.helpInformation()).toContain(`Usage: label-bot ${c}`);
      expect(sub.description().length).toBeGreaterThan(10);
    }
  });
});
