import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../ml/helpers';
import { cli, FAST_FLAGS, FIXTURES, oneJson } from './helpers';

const SMALL = join(FIXTURES, 'issues-small.jsonl'); // acme/widgets and acme/gadgets
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('label-bot train: name and model card', () => {
  it("one repo's data: the model is named after the repo, and MODEL_CARD.md gives intended use, provenance, date and held-out quality", () => {
    const data = join(tmp.dir, 'widgets.jsonl');
    const widgets = readFileSync(SMALL, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"acme/widgets"'));
    writeFileSync(data, widgets.join('\n') + '\n');
    const dir = join(tmp.dir, 'out-folder');
    const t = cli(['train', '--data', data, '--out', dir, ...FAST_FLAGS]);
    expect(t.status, t.stderr).toBe(0);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      name: string;
      createdAt: string;
      training: { dataHash: string; rows: number };
    };
    expect(modelJson.name).toBe('acme/widgets');
    const p = cli(['predict', '--model', dir, '--title', 'Crash on start']);
    expect(p.status, p.stderr).toBe(0);
    expect(oneJson(p.stdout).model).toMatch(/^acme\/widgets@[0-9a-f]{12}$/);

    const card = readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toMatch(/^# Model card: acme\/widgets$/m);
    expect(card).toMatch(
      /## Intended use\n\nSuggests one label from \{bug, feature, question\} for new GitHub issues of acme\/widgets/,
    );
    const fileSha = createHash('sha256').update(readFileSync(data)).digest('hex');
    expect(card).toContain(`- File: \`${data}\` (sha256 of the file \`${fileSha}\`)`);
    expect(card).toContain(
      `- Rows used: ${widgets.length} (sha256 of the canonical rows \`${modelJson.training.dataHash}\``,
    );
    expect(card).toContain(`- Date: ${modelJson.createdAt};`);
    expect(card).toContain('- Command: `label-bot train --data');
    expect(card).toMatch(/^\| bug \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 10 \| ([\d.]+|never) \|$/m);
    expect(t.stderr).toContain(`model card ${join(dir, 'MODEL_CARD.md')}`);
  });

  it('data from several repos: the name falls back to the --out folder; --name still wins', () => {
    const dir = join(tmp.dir, 'pooled');
    const t = cli(['train', '--data', SMALL, '--out', dir, ...FAST_FLAGS]);
    expect(t.status, t.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { name: string }).name).toBe('pooled');
    expect(readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8')).toMatch(
      /new GitHub issues of 2 repos \(acme\/gadgets, acme\/widgets\)/,
    );
    const named = join(tmp.dir, 'named');
    expect(cli(['train', '--data', SMALL, '--out', named, '--name', 'mine', ...FAST_FLAGS]).status).toBe(0);
    expect((JSON.parse(readFileSync(join(named, 'model.json'), 'utf8')) as { name: string }).name).toBe('mine');
  });
});
