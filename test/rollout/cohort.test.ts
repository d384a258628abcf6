import { describe, expect, it } from 'vitest';
import { cohortBucket, decideCohort, inCohort } from '../../src/rollout/cohort';

describe('rollout cohort', () => {
  it('matches golden values: first 4 bytes of sha256(salt ‖ repo ‖ "#" ‖ n) / 2^32', () => {
    // 0x46eaebf9 / 2^32, computed independently with `sha256("s3cretocto/widgets#42")`.
    expect(cohortBucket('s3cret', 'octo/widgets', 42)).toBe(0x46eaebf9 / 2 ** 32);
    expect(cohortBucket('salt-2026', 'kubeflow/pipelines', 1234)).toBe(0x47fd03e5 / 2 ** 32);
    expect(cohortBucket('', 'a/b', 1)).toBe(0x9b18ccba / 2 ** 32);
    expect(decideCohort('s3cret', 'octo/widgets', 42, 0.28).inCohort).toBe(true);
    expect(decideCohort('s3cret', 'octo/widgets', 42, 0.27).inCohort).toBe(false);
  });

  it('is stable across calls and repo-name case', () => {
    expect(cohortBucket('s3cret', 'Octo/Widgets', 42)).toBe(cohortBucket('s3cret', 'octo/widgets', 42));
    expect(cohortBucket('other', 'octo/widgets', 42)).not.toBe(cohortBucket('s3cret', 'octo/widgets', 42));
  });

  it('1.0 takes every issue, 0 none', () => {
    for (let n = 1; n <= 500; n++) {
      const b = cohortBucket('x', 'o/r', n);
      expect(inCohort(b, 1)).toBe(true);
      expect(inCohort(b, 0)).toBe(false);
    }
  });

  it('forwards a share within binomial tolerance (4 sigma) over many issues', () => {
    const n = 20_000;
    for (const ratio of [0.05, 0.1, 0.5, 0.9]) {
      let hits = 0;
      for (let i = 1; i <= n; i++) if (decideCohort('salt-A', 'octo/widgets', i, ratio).inCohort) hits++;
      const sigma = Math.sqrt(n * ratio * (1 - ratio));
      expect(Math.abs(hits - n * ratio)).toBeLessThan(4 * sigma);
    }
  });

  it('is monotone: raising the ratio keeps everyone already in the cohort', () => {
    const ratios = [0, 0.01, 0.1, 0.2, 0.5, 0.99, 1];
    for (let i = 1; i <= 5_000; i++) {
      const b = cohortBucket('salt-B', 'octo/*-style', i);
      let was = false;
      for (const r of ratios) {
        const now = inCohort(b, r);
        if (was) expect(now).toBe(true);
        was = now;
      }
    }
  });
});
