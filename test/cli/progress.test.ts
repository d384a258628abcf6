/** Long commands report progress on stderr through the one progress module, also when stderr is not a terminal. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, useSeededStandIn } from '../ops/fixtures/stand-in-repo';
import { tempDir } from '../ml/helpers';
import { cli, cliAsync, FAST_FLAGS, FIXTURES } from './helpers';

const SMALL = join(FIXTURES, 'issues-small.jsonl');

describe('progress when stderr is a pipe', () => {
  it('train prints plain progress lines ending at 100 %, with no terminal control codes', () => {
    const tmp = tempDir();
    try {
      const r = cli(['train', '--data', SMALL, '--out', join(tmp.dir, 'm'), ...FAST_FLAGS]);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('training: '));
      expect(lines.length).toBeGreaterThan(1);
      for (const l of lines) expect(l).toMatch(/^training: \d+\/\d+ \(\d+%\)$/);
      expect(lines.at(-1)).toMatch(/\(100%\)$/);
      expect(r.stderr).not.toContain('\u001b[');
    } finally {
      tmp.cleanup();
    }
  });

  it('eval --cv prints a line per fold', () => {
    const r = cli(['eval', '--train', SMALL, '--cv', '3', '--json', ...FAST_FLAGS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('evaluating: '))).toEqual([
      'evaluating: 1/3 (33%)',
      'evaluating: 2/3 (66%)',
      'evaluating: 3/3 (100%)',
    ]);
  });

  describe('fetch-issues', () => {
    const env = useSeededStandIn('fetch-progress-');
    it('reports the issues read through the same module, then the total', async () => {
      const out = join(env.dir, 'issues.jsonl');
      const r = await cliAsync(['fetch-issues', REPO, '--out', out, '--api-url', env.standIn.url], {
        env: { GITHUB_TOKEN: 'cli-test-token' },
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = readFileSync(out, 'utf8').trim().split('\n');
      expect(r.stderr.trim().split('\n')).toEqual([
        `fetch-issues: ${rows.length} issues (page 1)`,
        `${out}: ${rows.length} issues`,
      ]);
    });
  });
});
