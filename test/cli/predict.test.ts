import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from './helpers';

const UNIVERSAL = join(ROOT, 'models/universal');
const HINT = /^reading issues from stdin as JSONL, one \{"title": …, "body": …\} per line; end with Ctrl-D/m;
/** util-linux `script` gives the child a terminal for stdin, as a person typing `label-bot predict` would have. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe('label-bot predict', () => {
  it('--format text: the labels, a tab, then every label with its score', () => {
    const r = cli([
      'predict',
      '--model',
      UNIVERSAL,
      '--title',
      'App crashes on startup with a stack trace',
      '--format',
      'text',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^(\(no label\)|[a-z]+(, [a-z]+)*)\t(bug|feature|question) \d\.\d{3}, (bug|feature|question) \d\.\d{3}, (bug|feature|question) \d\.\d{3}$/,
    );
    const stdin = cli(
      ['predict', '--model', UNIVERSAL, '--format', 'text'],
      '{"title":"Crash"}\n{"title":"Add dark mode"}\n',
    );
    expect(stdin.status, stdin.stderr).toBe(0);
    expect(stdin.stdout.trim().split('\n')).toHaveLength(2);
    expect(stdin.stdout).not.toContain('{');
    const bad = cli(['predict', '--model', UNIVERSAL, '--title', 'x', '--format', 'xml']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Allowed choices are json, text/);
  });

  it('JSONL piped in: no hint on stderr (nobody is waiting at a terminal)', () => {
    const r = cli(['predict', '--model', UNIVERSAL], '{"title":"Crash"}\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(HINT);
    expect(JSON.parse(r.stdout.trim()).model).toMatch(/^universal@/);
  });

  it.skipIf(!hasScript)('without --title on a terminal: says it is reading stdin and how to end', () => {
    const cmd = `'${process.execPath}' '${join(ROOT, 'bin/label-bot.mjs')}' predict --model '${UNIVERSAL}'`;
    // Ctrl-D, buffered by the terminal until predict reads: an empty input, so predict prints nothing else and exits.
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: ROOT,
      input: '\u0004',
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(HINT);
  });
});
