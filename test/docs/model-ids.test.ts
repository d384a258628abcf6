/**
 * Transcripts in the docs quote the committed universal model by its id (`universal@<first 12 hex of model.onnx's
 * sha256>`). When the model is rebuilt, these ids must follow (docs/ops.md: `npx tsx test/ops/examples/run-examples.ts
 * --model models/universal --out ops-out` regenerates its transcripts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const current = (
  JSON.parse(readFileSync(join(ROOT, 'models/universal/model.json'), 'utf8')) as { onnx: { sha256: string } }
).onnx.sha256.slice(0, 12);

describe('universal model ids quoted in the docs', () => {
  it.each(['README.md', 'docs/ops.md'])('%s quotes only the committed model', (file) => {
    const quoted = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/universal@([0-9a-f]{12})/g)].map((m) => m[1]);
    expect(quoted.length).toBeGreaterThan(0);
    expect(new Set(quoted)).toEqual(new Set([current]));
  });
});
