import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, FIXTURES, oneJson } from './helpers';

const SMALL = join(FIXTURES, 'issues-small.jsonl'); // 60 rows

describe('label-bot eval checks its arguments against the data first', () => {
  it('--cv larger than the number of rows fails at once, naming the file and its row count', () => {
    const r = cli(['eval', '--train', SMALL, '--cv', '400', ...FAST_FLAGS]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--cv 400 needs at least 400 rows, but .*issues-small\.jsonl has 60/);
    expect(r.stdout).toBe('');
  });

  it('folds of fewer than 5 rows: a warning that the score is noisy, then the score', () => {
    const r = cli(['eval', '--train', SMALL, '--cv', '20', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --cv 20 on 60 rows tests on about 3 row\(s\) per fold; the score will be noisy/);
    expect(oneJson(r.stdout).folds).toBe(20);
  });

  it('--cv 3 on 60 rows: no such warning', () => {
    const r = cli(['eval', '--train', SMALL, '--cv', '3', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/noisy/);
  });
});

describe('label-bot eval --model on the data the model was trained on', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('warns that the score measures memory (model.json holds the training data hash); another test file does not', () => {
    const dir = join(tmp.dir, 'model');
    const t = cli(['train', '--data', SMALL, '--out', dir, ...FAST_FLAGS]);
    expect(t.status, t.stderr).toBe(0);
    const own = cli(['eval', '--model', dir, '--test', SMALL, '--json']);
    expect(own.status, own.stderr).toBe(0);
    expect(own.stderr).toMatch(/warning: .*issues-small\.jsonl is the data .* was trained on .*measures memory/);
    expect(typeof oneJson(own.stdout).score).toBe('number');
    const other = cli(['eval', '--model', dir, '--test', join(FIXTURES, 'issues-test.jsonl'), '--json']);
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).not.toMatch(/trained on/);
  });
});
