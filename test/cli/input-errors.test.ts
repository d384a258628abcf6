/** Careless inputs get a message that names the cause and the next step, never a raw errno or a JSON parser error. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../ml/helpers';
import { cli, FIXTURES } from './helpers';

const SMALL = join(FIXTURES, 'issues-small.jsonl');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('label-bot input errors', () => {
  it('an empty data file says it is empty and what it should hold', () => {
    const file = join(tmp.dir, 'empty.jsonl');
    writeFileSync(file, '\n\n');
    const r = cli(['train', '--data', file, '--out', join(tmp.dir, 'm1')]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `label-bot: ${file} is empty (no rows): expected JSONL, one JSON object per line, {"repo": …, "title": …, "body": …, "labels": [...]}`,
    );
  });

  it('a CSV file is recognised as CSV, not reported as a JSON syntax error', () => {
    const file = join(tmp.dir, 'issues.csv');
    writeFileSync(file, 'title,body,labels\nCrash on save,stack trace,bug\n');
    const r = cli(['eval', '--train', file, '--cv', '3']);
    expect(r.status).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/issues\.csv:1: not JSONL \(this looks like CSV\): expected one JSON object per line/);
    expect(line).not.toMatch(/Unexpected token/);
  });

  it('a missing data file: "no such file", not ENOENT', () => {
    const r = cli(['train', '--data', join(tmp.dir, 'nope.jsonl'), '--out', join(tmp.dir, 'm2')]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/cannot read data file .*nope\.jsonl: no such file$/);
  });

  it('train --out pointing at a file fails before training, saying it must be a directory', () => {
    const file = join(tmp.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = cli(['train', '--data', SMALL, '--out', file]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `label-bot: --out ${file} is a file; give a directory (train writes model.onnx and model.json inside it)`,
    );
    expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR/);
  });

  it('publish on a folder with no model says what the folder should hold (before any GCS call)', () => {
    const dir = join(tmp.dir, 'no-model');
    mkdirSync(dir);
    const r = cli(['publish', 'acme/widgets', dir, '--bucket', 'no-such-bucket']);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      `publish failed: ${dir} has no model.onnx: give the directory \`label-bot train --out\` wrote (model.onnx + model.json)`,
    );
    const missing = cli(['publish', 'acme/widgets', join(tmp.dir, 'typo'), '--bucket', 'no-such-bucket']);
    expect(missing.status).toBe(2);
    expect(oneLine(missing.stderr)).toMatch(/typo does not exist: give the directory/);
    expect(existsSync(join(tmp.dir, 'typo'))).toBe(false);
  });
});
