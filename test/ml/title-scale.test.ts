import { describe, expect, it } from 'vitest';
import { featurize } from '../../src/ml/featurizer';
import { DEFAULT_FEATURIZER_SETTINGS, scaledTitleSettings } from '../../src/ml/featurizer-settings';
import { gramMatrix } from '../../src/ml/kernel-fit';
import { combineTitleGram, titleRestGrams } from '../../src/ml/title-scale';
import { small } from './helpers';

describe('title scale without re-featurizing', () => {
  it('the combined Gram matrix for scale t matches the Gram matrix of vectors featurized with title weights × t', () => {
    const rows = small().slice(0, 12);
    const n = rows.length;
    const settings = DEFAULT_FEATURIZER_SETTINGS;
    const parts = titleRestGrams(rows, settings);
    for (const t of [0.5, 1, 4]) {
      const K = combineTitleGram(parts, t);
      const exact = gramMatrix(rows.map((r) => featurize(r, scaledTitleSettings(settings, t))));
      // Self-similarities agree to float32 rounding. Between rows, a title feature of one row can land on the same
      // hashed index as a body feature of another: featurize() then sees an overlap the title/rest split does not
      // (≈ 5e-3 here), which is why the trainer refits the winner on the exact Gram matrix.
      let offDiagonal = 0;
      for (let i = 0; i < n; i++) {
        expect(K[i * n + i]).toBeCloseTo(exact[i * n + i]!, 6);
        for (let j = 0; j < n; j++)
          if (i !== j) offDiagonal = Math.max(offDiagonal, Math.abs(K[i * n + j]! - exact[i * n + j]!));
      }
      expect(offDiagonal).toBeLessThan(0.02);
    }
  });
});
