import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelDir } from '../../src/ml/model-io';
import { classifierFromArtifacts, loadClassifier } from '../../src/ml/onnx-classifier';
import { ReferenceScorer, referenceScorerFromArtifacts } from '../../src/ml/reference-scorer';
import { trainModel, type TrainedModel } from '../../src/ml/train';
import { FAST, multi, small, tempDir } from './helpers';

const GOLDEN_TEXTS = [
  {
    title: 'Parser crashes when saving a file',
    body: '### Steps to reproduce\n1. save\n```\nTypeError: x\n  at f (a.js:1:1)\n```',
  },
  { title: 'How do I configure the cache offline?', body: 'Is there any documentation?' },
  { title: 'Add support for plugins in the CLI', body: 'It would be nice to have a flag.' },
  { title: '', body: null },
  { title: 'only a title' },
  { title: '🐛 絵文字 \ud800 broken', body: 'Ошибка ' + 'x'.repeat(20_000) },
];

let singleDir: { dir: string; cleanup: () => void };
let single: TrainedModel;

beforeAll(() => {
  singleDir = tempDir();
  single = trainModel(small(), FAST);
  writeModelDir(singleDir.dir, single, { name: 'fixture', createdAt: '2026-01-01T00:00:00.000Z' });
});
afterAll(() => singleDir.cleanup());

describe('ONNX export and inference', () => {
  it('golden: ONNX Runtime scores equal the TypeScript reference within 1e-5 (softmax)', async () => {
    const c = await loadClassifier(singleDir.dir);
    const ref = new ReferenceScorer(c.card, single.W, single.b);
    const preds = await c.predict(GOLDEN_TEXTS);
    GOLDEN_TEXTS.forEach((t, i) => {
      const r = ref.score(t);
      for (const s of preds[i]!.scores) expect(Math.abs(s.score - r[c.labels.indexOf(s.label)]!)).toBeLessThan(1e-5);
    });
    // The reference can also be rebuilt from the files alone.
    const fromFiles = referenceScorerFromArtifacts(
      readFileSync(join(singleDir.dir, 'model.onnx')),
      JSON.parse(readFileSync(join(singleDir.dir, 'model.json'), 'utf8')),
      singleDir.dir,
    );
    expect(Array.from(fromFiles.score(GOLDEN_TEXTS[0]!))).toEqual(Array.from(ref.score(GOLDEN_TEXTS[0]!)));
  });

  it('golden: sigmoid (multi-label) graph matches too', async () => {
    const m = trainModel(multi(), FAST);
    const t = tempDir();
    try {
      writeModelDir(t.dir, m, { name: 'multi', createdAt: '2026-01-01T00:00:00.000Z' });
      const c = await loadClassifier(t.dir);
      const ref = new ReferenceScorer(c.card, m.W, m.b);
      const preds = await c.predict(GOLDEN_TEXTS);
      GOLDEN_TEXTS.forEach((text, i) => {
        const r = ref.score(text);
        for (const s of preds[i]!.scores) expect(Math.abs(s.score - r[c.labels.indexOf(s.label)]!)).toBeLessThan(1e-5);
      });
    } finally {
      t.cleanup();
    }
  });

  it('still serves models exported with the earlier Mul + ReduceSum graph (already published to GCS)', async () => {
    // Fixture written by the exporter of 6d280a8; the current exporter emits a batched MatMul instead.
    const dir = join(import.meta.dirname, '../fixtures/ml/legacy-mul-reducesum');
    const bytes = readFileSync(join(dir, 'model.onnx'));
    expect(bytes.includes(Buffer.from('ReduceSum'))).toBe(true);
    const c = await loadClassifier(dir);
    const ref = referenceScorerFromArtifacts(bytes, JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), dir);
    const preds = await c.predict(GOLDEN_TEXTS);
    GOLDEN_TEXTS.forEach((t, i) => {
      const r = ref.score(t);
      for (const s of preds[i]!.scores) expect(Math.abs(s.score - r[c.labels.indexOf(s.label)]!)).toBeLessThan(1e-5);
    });
  });

  it('exposes a Classifier: version from the ONNX hash, labels, thresholded predictions', async () => {
    const c = await loadClassifier(singleDir.dir);
    expect(c.version).toMatch(/^fixture@[0-9a-f]{12}$/);
    expect(c.labels).toEqual(['bug', 'feature', 'question']);
    const [p] = await c.predict([
      { title: 'How can I use the scheduler offline?', body: 'Any docs would help, thanks!' },
    ]);
    expect(p!.scores.map((s) => s.label).sort()).toEqual(['bug', 'feature', 'question']);
    expect(p!.scores[0]!.score).toBeGreaterThanOrEqual(p!.scores[1]!.score);
    for (const l of p!.labels) {
      const s = p!.scores.find((x) => x.label === l)!;
      expect(s.threshold).not.toBeNull();
      expect(s.score).toBeGreaterThanOrEqual(s.threshold!);
    }
    expect(await c.predict([])).toEqual([]);
  });

  it('model.json validation errors name the file and the problem', async () => {
    const onnx = readFileSync(join(singleDir.dir, 'model.onnx'));
    const json = JSON.parse(readFileSync(join(singleDir.dir, 'model.json'), 'utf8'));
    await expect(classifierFromArtifacts(onnx, { ...json, formatVersion: 99 }, 'gs://b/models/x/v1')).rejects.toThrow(
      /gs:\/\/b\/models\/x\/v1\/model\.json: .*formatVersion/,
    );
    await expect(classifierFromArtifacts(onnx, { ...json, thresholds: [0.5] }, 'dir')).rejects.toThrow(
      /dir\/model\.json: .*thresholds/,
    );
    await expect(
      classifierFromArtifacts(onnx, { ...json, featurizer: { ...json.featurizer, version: 999 } }, 'dir'),
    ).rejects.toThrow(/dir\/model\.json: .*featurizer version 999/);
    await expect(classifierFromArtifacts(onnx, { ...json, labels: undefined }, 'dir')).rejects.toThrow(
      /dir\/model\.json: .*labels/,
    );
  });

  it('missing or corrupt files: the error names the file', async () => {
    const t = tempDir();
    try {
      await expect(loadClassifier(t.dir)).rejects.toThrow(new RegExp(`${t.dir}/model\\.json: cannot read`));
      copyFileSync(join(singleDir.dir, 'model.json'), join(t.dir, 'model.json'));
      await expect(loadClassifier(t.dir)).rejects.toThrow(new RegExp(`${t.dir}/model\\.onnx: cannot read`));
      const onnx = readFileSync(join(singleDir.dir, 'model.onnx'));
      writeFileSync(join(t.dir, 'model.onnx'), onnx.subarray(0, 1000));
      await expect(loadClassifier(t.dir)).rejects.toThrow(new RegExp(`${t.dir}/model\\.onnx: sha256 does not match`));
      writeFileSync(join(t.dir, 'model.json'), '{"formatVersion": 1,');
      await expect(loadClassifier(t.dir)).rejects.toThrow(new RegExp(`${t.dir}/model\\.json: not valid JSON`));
    } finally {
      t.cleanup();
    }
  });

  it('refuses an ONNX file onnxruntime cannot parse even when the hash matches', async () => {
    const json = JSON.parse(readFileSync(join(singleDir.dir, 'model.json'), 'utf8'));
    const junk = new Uint8Array([1, 2, 3, 4, 5]);
    const { sha256Hex } = await import('../../src/ml/model-format');
    await expect(
      classifierFromArtifacts(junk, { ...json, onnx: { ...json.onnx, sha256: sha256Hex(junk) } }, 'x'),
    ).rejects.toThrow(/x\/model\.onnx: onnxruntime cannot load it/);
  });
});

describe('committed universal model', () => {
  const dir = join(import.meta.dirname, '../../models/universal');
  it('loads, validates and matches the TypeScript reference within 1e-5', async () => {
    const c = await loadClassifier(dir);
    expect(c.labels).toEqual(['bug', 'feature', 'question']);
    expect(c.version).toMatch(/^universal@[0-9a-f]{12}$/);
    const ref = referenceScorerFromArtifacts(
      readFileSync(join(dir, 'model.onnx')),
      JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')),
      dir,
    );
    const preds = await c.predict(GOLDEN_TEXTS);
    GOLDEN_TEXTS.forEach((t, i) => {
      const r = ref.score(t);
      for (const s of preds[i]!.scores) expect(Math.abs(s.score - r[c.labels.indexOf(s.label)]!)).toBeLessThan(1e-5);
    });
    // Sanity: an obvious question and an obvious bug land where they should.
    const [q, b] = await c.predict([
      {
        title: 'How do I configure the proxy settings?',
        body: 'I could not find it in the docs. Is it possible? Thanks!',
      },
      {
        title: 'Crash on startup after upgrading',
        body: '### Steps to reproduce\n1. upgrade\n\n### Actual behavior\n```\nTypeError: undefined is not a function\n    at run (index.js:10:5)\n```',
      },
    ]);
    expect(q!.scores[0]!.label).toBe('question');
    expect(b!.scores[0]!.label).toBe('bug');
  });
});
