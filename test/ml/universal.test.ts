import { describe, expect, it } from 'vitest';
import { featurize } from '../../src/ml/featurizer';
import { cueKinds } from '../../src/ml/lexicon';
import { writeModelDir } from '../../src/ml/model-io';
import { loadClassifier } from '../../src/ml/onnx-classifier';
import { scoreVector } from '../../src/ml/linear-scorer';
import { trainModel } from '../../src/ml/train';
import { UNIVERSAL_TRAIN_OPTIONS } from '../../src/ml/universal';
import { FAST, tempDir, threeRepos } from './helpers';

describe('cue words', () => {
  it('finds bug / wish / ask cues in lower-cased text, in a fixed order', () => {
    expect(cueKinds('app crashes on start')).toEqual(['bug']);
    expect(cueKinds('add an option for dark mode')).toEqual(['wish']);
    expect(cueKinds('how do i configure the proxy?')).toEqual(['ask']);
    expect(cueKinds('how can i add support for x? it fails')).toEqual(['bug', 'wish', 'ask']);
    expect(cueKinds('')).toEqual([]);
    expect(cueKinds('deadlock when two writers commit')).toEqual(['bug']);
    expect(cueKinds('the timeout setting has no effect')).toEqual(['bug']);
  });
});

describe('a model trained with the universal recipe (featurizer version 3)', () => {
  it('keeps its featurizer settings in model.json, and ONNX Runtime scores equal the TypeScript reference', async () => {
    const m = trainModel(threeRepos(), {
      ...FAST,
      ...UNIVERSAL_TRAIN_OPTIONS,
      featurizer: { ...UNIVERSAL_TRAIN_OPTIONS.featurizer, dim: 1 << 12 },
      lambdas: [1e-2, 1e-3],
      titleScales: [0.5],
    });
    expect(m.featurizer).toMatchObject({
      version: 3,
      stripTemplate: true,
      templateMeta: false,
      cueMeta: true,
      titleInBody: true,
      titleFromBody: true,
      dropCourtesy: true,
      maxBodyChars: 1000,
    });
    const t = tempDir();
    try {
      writeModelDir(t.dir, m, { name: 'universal-test', createdAt: '2026-01-01T00:00:00.000Z' });
      const c = await loadClassifier(t.dir);
      expect(c.card.featurizer).toMatchObject({
        stripTemplate: true,
        templateMeta: false,
        cueMeta: true,
        titleFromBody: true,
        dropCourtesy: true,
      });
      expect(c.card.metrics.unseenRepos?.precisionTarget).toBe(0.8);
      const texts = [
        { title: 'App crashes on start', body: '' },
        {
          title: 'How do I export?',
          body: '<!-- template -->\n### Describe\nI want to know how. https://x.io 1.2.3\n- [ ] done',
        },
        { title: 'Add dark mode', body: null },
        { title: '', body: 'Crash when saving\n\nThanks in advance!' },
      ];
      const preds = await c.predict(texts);
      texts.forEach((x, i) => {
        const ref = scoreVector(m, featurize(x, m.featurizer));
        for (const s of preds[i]!.scores)
          expect(Math.abs(s.score - ref[m.labels.indexOf(s.label)]!)).toBeLessThan(1e-5);
      });
    } finally {
      t.cleanup();
    }
  });
});
