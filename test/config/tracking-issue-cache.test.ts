import { describe, expect, it } from 'vitest';
import { cachedTrackingLookup } from '../../src/config/tracking-issue-cache';
import { TestOctokit } from '../support/test-octokit';

/** Never called: the lookups below are stubs, the client is only passed through. */
const testOctokit = () => new TestOctokit({ auth: { token: 'unused' } });

describe('cachedTrackingLookup', () => {
  it('caches per repo for the TTL, case-insensitively, and does not cache failures', async () => {
    let now = 0;
    const calls: string[] = [];
    let fail = false;
    const lookup = cachedTrackingLookup(
      async (_o, ref) => {
        calls.push(`${ref.owner}/${ref.repo}`);
        if (fail) throw new Error('502');
        return ref.repo === 'a' ? 7 : null;
      },
      { ttlMs: 1000, now: () => now },
    );
    const o = testOctokit();
    expect(await lookup(o, { owner: 'x', repo: 'a' })).toBe(7);
    expect(await lookup(o, { owner: 'X', repo: 'A' })).toBe(7);
    expect(await lookup(o, { owner: 'x', repo: 'b' })).toBeNull();
    expect(await lookup(o, { owner: 'x', repo: 'b' })).toBeNull();
    expect(calls).toEqual(['x/a', 'x/b']);
    now = 1001;
    fail = true;
    await expect(lookup(o, { owner: 'x', repo: 'a' })).rejects.toThrow('502');
    fail = false;
    expect(await lookup(o, { owner: 'x', repo: 'a' })).toBe(7);
    expect(calls).toEqual(['x/a', 'x/b', 'x/a', 'x/a']);
  });

  it('evicts the oldest entry beyond maxEntries', async () => {
    const calls: string[] = [];
    const lookup = cachedTrackingLookup(async (_o, ref) => (calls.push(ref.repo), 1), { maxEntries: 2 });
    const o = testOctokit();
    for (const r of ['a', 'b', 'c', 'a']) await lookup(o, { owner: 'x', repo: r });
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
