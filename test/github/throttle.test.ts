import { describe, expect, it } from 'vitest';
import { classifyGitHubError } from '../../src/github/errors';
import { installationBudget, isContentWrite, isTokenFetch } from '../../src/github/throttle';

const gql = (query: string) => ({ method: 'POST', url: '/graphql', query });

describe('request classes', () => {
  it('counts REST writes and GraphQL mutations as content writes, not GraphQL or REST reads', () => {
    expect(isContentWrite({ method: 'POST', url: '/repos/o/r/issues/1/labels' })).toBe(true);
    expect(isContentWrite({ method: 'DELETE', url: '/repos/o/r/issues/comments/1' })).toBe(true);
    expect(isContentWrite({ method: 'GET', url: '/repos/o/r/issues/1' })).toBe(false);
    expect(isContentWrite(gql('query LabelBotIssueState { viewer { login } }'))).toBe(false);
    expect(isContentWrite(gql('\n  mutation LabelBotAddComment($x: ID!) { x }'))).toBe(true);
    expect(isContentWrite(gql('# a comment\nmutation { x }'))).toBe(true);
  });

  it('recognises an installation-token request, on github.com and under a GHES prefix', () => {
    expect(isTokenFetch({ method: 'POST', url: 'https://api.github.com/app/installations/7/access_tokens' })).toBe(
      true,
    );
    expect(isTokenFetch({ method: 'POST', url: 'https://ghe.example/api/v3/app/installations/7/access_tokens' })).toBe(
      true,
    );
    expect(isTokenFetch({ method: 'GET', url: '/app/installations/7' })).toBe(false);
  });
});

/** A request that never answers until released. */
function held() {
  let release!: () => void;
  const done = new Promise<string>((resolve) => (release = () => resolve('ok')));
  return { fn: () => done, release };
}

describe('installationBudget', () => {
  it('lets a token fetch through while every slot of its installation is held', async () => {
    const budget = installationBudget({ maxConcurrent: 2 });
    const a = held();
    const b = held();
    const slotA = budget.key('installation:1').schedule({}, a.fn, { method: 'GET', url: '/a' });
    const slotB = budget.key('installation:1').schedule({}, b.fn, { method: 'GET', url: '/b' });
    const token = await budget
      .key('installation:1')
      .schedule({}, async () => 'token', { method: 'POST', url: '/app/installations/1/access_tokens' });
    expect(token).toBe('token');
    a.release();
    b.release();
    expect(await Promise.all([slotA, slotB])).toEqual(['ok', 'ok']);
  });

  it('queues a third request behind two held slots and runs it when one frees', async () => {
    const budget = installationBudget({ maxConcurrent: 2 });
    const a = held();
    const b = held();
    void budget.key('i').schedule({}, a.fn, { method: 'GET', url: '/a' });
    void budget.key('i').schedule({}, b.fn, { method: 'GET', url: '/b' });
    let ran = false;
    const third = budget.key('i').schedule({}, async () => (ran = true), { method: 'GET', url: '/c' });
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(false);
    // Another installation is not held up.
    expect(await budget.key('j').schedule({}, async () => 'other', { method: 'GET', url: '/d' })).toBe('other');
    a.release();
    await third;
    expect(ran).toBe(true);
    b.release();
  });

  it('sends a burst of writes at once, then fails fast as a transient secondary limit past maxWait', async () => {
    let now = 0;
    const budget = installationBudget({ perMinute: 5, perHour: 500, maxWaitMs: 2_000, now: () => now });
    const write = { method: 'POST', url: '/repos/o/r/issues/1/labels' };
    for (let k = 0; k < 5; k++) expect(await budget.key('i').schedule({}, async () => k, write)).toBe(k);
    const err = await budget
      .key('i')
      .schedule({}, async () => 'late', write)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ status: 403, response: { headers: { 'retry-after': '12' } } });
    expect(classifyGitHubError(err)).toBe('transient');
    // Reads are not writes: they do not wait for the write budget.
    expect(await budget.key('i').schedule({}, async () => 'read', gql('query { x }'))).toBe('read');
    // A minute later the bucket has refilled.
    now += 60_000;
    expect(await budget.key('i').schedule({}, async () => 'again', write)).toBe('again');
  });
});
