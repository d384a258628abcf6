import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, FIXTURES, oneJson } from './helpers';

/** 63 rows in a repo's own vocabulary: kind/bug, Type: Bug, enhancement, Feature_Request, support, kind/question, plus noise. */
const REPO_LABELS = join(FIXTURES, 'issues-repo-labels.jsonl');
const INLINE =
  'kind/bug=bug,type: bug=bug,enhancement=feature,feature_request=feature,support=question,kind/question=question';
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('label-bot train/eval --label-map --labels', () => {
  it('train with an inline map: repo labels become bug/feature/question, unmapped rows are dropped and counted', () => {
    const dir = join(tmp.dir, 'model');
    const r = cli([
      'train',
      '--data',
      REPO_LABELS,
      '--out',
      dir,
      '--label-map',
      INLINE,
      '--labels',
      'bug,feature,question',
      ...FAST_FLAGS,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `${REPO_LABELS}: kept 60 of 63 rows (bug 20, feature 20, question 20); dropped 3 left with no label`,
    );
    const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      labels: string[];
      kind: string;
      training: { rows: number };
    };
    expect(card.labels).toEqual(['bug', 'feature', 'question']);
    expect(card.kind).toBe('single');
    expect(card.training.rows).toBe(60);

    // The saved model scored on the same file through the same map: no test label is unknown to it.
    const e = cli(['eval', '--model', dir, '--test', REPO_LABELS, '--label-map', INLINE, '--json']);
    expect(e.status, e.stderr).toBe(0);
    const j = oneJson(e.stdout);
    expect(j.n).toBe(60);
    expect(j.unknownLabelCount).toBe(0);
  }, 120_000);

  it('eval --cv with a YAML map file and --labels keeping two of the three', () => {
    const map = join(tmp.dir, 'labels.yaml');
    writeFileSync(
      map,
      'bug: [kind/bug, "Type: Bug"]\nfeature: [enhancement, feature_request]\nquestion: [support, kind/question]\n',
    );
    const r = cli([
      'eval',
      '--train',
      REPO_LABELS,
      '--cv',
      '3',
      '--label-map',
      map,
      '--labels',
      'Bug,Feature',
      '--json',
      ...FAST_FLAGS,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('kept 40 of 63 rows (Bug 20, Feature 20); dropped 23 left with no label');
    const j = oneJson(r.stdout);
    expect(j.n).toBe(40);
    expect(Object.keys(j.perLabel as object).sort()).toEqual(['Bug', 'Feature']);
  }, 120_000);

  it('bad input fails with one clear line and exit code 1, before any training', async () => {
    const toml = join(tmp.dir, 'map.toml');
    writeFileSync(toml, 'bug = ["kind/bug"]\n');
    const empty = join(tmp.dir, 'empty.json');
    writeFileSync(empty, '{}\n');
    // Two through the real bin (exit code, one stderr line, nothing trained) …
    for (const [flags, message] of [
      [['--label-map', toml], `label-bot: ${toml}: unknown label-map format "toml"; use .json, .yaml or .yml\n`],
      [
        ['--label-map', 'kind/bug=bug,type: bug=bug'],
        'label-bot: --label-map leaves only "bug"; a classifier needs at least 2 labels\n',
      ],
    ] as [string[], string][]) {
      const r = cli(['train', '--data', REPO_LABELS, '--out', join(tmp.dir, 'never'), ...flags]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toBe(message);
      expect(r.stdout).toBe('');
    }
    // … the rest in-process (a tsx start-up costs seconds on a loaded box), through the same flag handling.
    const { labelFilterFrom } = await import('../../src/cli/label-options');
    expect(() => labelFilterFrom({ labelMap: empty })).toThrow(`${empty}: empty mapping`);
    expect(() => labelFilterFrom({ labelMap: 'kind/bug' })).toThrow(
      '--label-map: "kind/bug" is neither a file nor an inline mapping',
    );
    expect(() => labelFilterFrom({ labelMap: INLINE, labels: 'bug,docs' })).toThrow(
      '--label-map with --labels leaves only "bug"',
    );
    expect(() => labelFilterFrom({ labels: ',' })).toThrow('--labels: empty list');
  }, 120_000);

  it('--help of train and eval documents both flags and the map format', async () => {
    const { Command } = await import('commander');
    for (const c of ['train', 'eval']) {
      const mod = (await import(`../../src/cli/commands/${c}.ts`)) as {
        register: (p: InstanceType<typeof Command>) => void;
      };
      const program = new Command('label-bot');
      mod.register(program);
      const help = program.commands.find((x) => x.name() === c)!.helpInformation();
      expect(help).toContain('--label-map <map>');
      expect(help).toContain('--labels <list>');
      expect(help).toMatch(/kind\/bug=bug/);
      expect(help).toMatch(/\.json\/\.yaml\/\.yml/);
    }
  });
});
