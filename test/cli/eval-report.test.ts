import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, FIXTURES } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('label-bot eval --cv --report', () => {
  it('the card says which thresholds the rule picks on the out-of-fold scores; each PR plot labels the precision target and marks that threshold', () => {
    const dir = join(tmp.dir, 'report');
    const r = cli([
      'eval',
      '--train',
      join(FIXTURES, 'issues-small.jsonl'),
      '--cv',
      '3',
      '--report',
      dir,
      '--json',
      ...FAST_FLAGS,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const card = readFileSync(join(dir, 'model-card.md'), 'utf8');
    const thresholds = card.slice(card.indexOf('## Thresholds'), card.indexOf('## Precision-recall'));
    expect(thresholds).toMatch(
      /the rule applied to the out-of-fold scores picks: bug (\d\.\d{3}|never), feature (\d\.\d{3}|never), question (\d\.\d{3}|never)\./,
    );
    const bug = /bug (\d\.\d{3})/.exec(thresholds)![1]!;
    const svg = readFileSync(join(dir, 'pr-bug.svg'), 'utf8');
    expect(svg).toMatch(/>precision target 0\.7</);
    expect(svg).toContain(`>rule threshold ${bug}<`);
    expect(svg).toMatch(/class="mark-symbol role-mark/);
  });
});
