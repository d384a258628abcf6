import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
