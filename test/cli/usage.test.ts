import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from './helpers';

describe('label-bot usage errors', () => {
  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(version);
  });

  it('a mistyped option is reported as unknown, with a did-you-mean, before the required option it meant', () => {
    const r = cli(['train', '--dat', 'x.jsonl', '--out', 'm']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--dat'/);
    expect(r.stderr).toMatch(/Did you mean --data\?/);
    expect(r.stderr).not.toMatch(/required option/);
  });

  it('a usage error is short: the error and where the help is, not the whole help', () => {
    const r = cli(['train', '--out', 'm']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      "error: required option '--data <file>' not specified",
      "(see 'label-bot train --help')",
    ]);
    const bad = cli(['eval', '--cv', 'x']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(2);
    expect(bad.stderr).toMatch(/--cv must be an integer[\s\S]*see 'label-bot eval --help'/);
  });

  it('a number option that is not a number is a usage error, not NaN passed on', () => {
    const r = cli(['fetch-issues', 'acme/widgets', '--out', 'x.jsonl', '--max', 'ten']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      "error: option '--max <n>' argument 'ten' is invalid. --max must be an integer",
      "(see 'label-bot fetch-issues --help')",
    ]);
  });

  it('an unknown command still gets its did-you-mean', () => {
    const r = cli(['trian']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Did you mean train\?/);
    expect(r.stderr).not.toMatch(/Commands:/);
  });

  it('--help lists every command (main.ts loads only the command being run, all of them for the help)', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z-]+)(?= )/gm)].map((m) => m[1]);
    expect(listed).toEqual([
      'fetch-issues',
      'train',
      'eval',
      'predict',
      'backfill',
      'report',
      'publish',
      'rollback',
      'models',
      'check-config',
      'onboard',
      'retrain',
      'help',
    ]);
  });
});
