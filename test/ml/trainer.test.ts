import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataHash } from '../../src/ml/dataset';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel, trainPerRepo } from '../../src/ml/train';
import { FAST, multi, small, tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('trainer', () => {
  it('same data and seed ⇒ byte-identical model files, whatever the row order', () => {
    const rows = small();
    const a = tempDir();
    const b = tempDir();
    cleanups.push(a.cleanup, b.cleanup);
    const opts = { name: 'm', createdAt: '2026-01-01T00:00:00.000Z' };
    writeModelDir(a.dir, trainModel(rows, FAST), opts);
    writeModelDir(b.dir, trainModel([...rows].reverse(), FAST), opts);
    for (const f of ['model.onnx', 'model.json']) {
      expect(readFileSync(join(a.dir, f)).equals(readFileSync(join(b.dir, f)))).toBe(true);
    }
  });

  it('learns a separable single-label set (softmax) with thresholds from held-out folds', () => {
    const m = trainModel(small(), FAST);
    expect(m.kind).toBe('single');
    expect(m.labels).toEqual(['bug', 'feature', 'question']);
    expect(m.heldOut.metrics.macroF1).toBeGreaterThan(0.8);
    expect(m.thresholds).toHaveLength(3);
    expect(m.dataHash).toBe(dataHash(small()));
  });

  it('uses one-vs-rest for multi-label sets', () => {
    const m = trainModel(multi(), FAST);
    expect(m.kind).toBe('multi');
    expect(m.labels).toEqual(['area-net', 'area-ui']);
  });

  it('drops labels with too few examples, with a warning', () => {
    const rows = small();
    rows.push({ repo: 'acme/widgets', title: 'typo in docs', body: '', labels: ['documentation'] });
    const warnings: string[] = [];
    const m = trainModel(rows, { ...FAST, onWarning: (w) => warnings.push(w) });
    expect(m.labels).not.toContain('documentation');
    expect(m.droppedLabels).toEqual({ documentation: 1 });
    expect(warnings.some((w) => w.includes('documentation'))).toBe(true);
  });

  it('refuses to train with fewer than two usable labels', () => {
    const rows = small().filter((r) => r.labels[0] === 'bug');
    expect(() => trainModel(rows, FAST)).toThrow(/at least 2 labels/);
  });

  it("loss 'auto' (the default) tries both losses in the internal CV and keeps the fit of the one it picks", () => {
    const totals = new Set<number>();
    const auto = trainModel(small(), { ...FAST, onProgress: (_, total) => totals.add(total) });
    // 3 folds × 4 title scales × 2 losses + the final fit.
    expect([...totals]).toEqual([3 * 4 * 2 + 1]);
    const fixed = trainModel(small(), { ...FAST, loss: auto.loss });
    expect(fixed.lambda).toBe(auto.lambda);
    expect(Array.from(fixed.W)).toEqual(Array.from(auto.W));
    const other = trainModel(small(), { ...FAST, loss: auto.loss === 'sqhinge' ? 'logistic' : 'sqhinge' });
    expect(Array.from(other.W)).not.toEqual(Array.from(auto.W));
  });

  it('per repo: pools repos sharing a label set, one model per repo with its own slice', () => {
    const models = trainPerRepo(small(), FAST);
    expect([...models.keys()]).toEqual(['acme/gadgets', 'acme/widgets']);
    const g = models.get('acme/gadgets')!;
    const w = models.get('acme/widgets')!;
    expect(g.domain).toBe('acme/gadgets');
    expect(g.pooledRepos).toEqual(['acme/gadgets', 'acme/widgets']);
    expect(Array.from(g.W)).not.toEqual(Array.from(w.W));
    const alone = trainPerRepo(small(), { ...FAST, domainWeight: 0 });
    expect(alone.get('acme/gadgets')!.domain).toBeUndefined();
    expect(alone.get('acme/gadgets')!.trainingRows).toBe(30);
  });
});
