/**
 * Many events at once into one Probot process right after start-up (no installation token cached yet), with the
 * Octokit settings as shipped: throttling and retries on, nothing swapped for a test class. Octokit's throttling plugin
 * used to give every webhook client one shared key with 10 concurrent slots; the installation-token fetch needed an
 * 11th from the same pool, so ten events hung for good (issue #19), right after start-up and again after each hourly
 * token expiry. Each case has a deadline: a hang fails it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { httpApiEvent } from '../support/lambda-event';
import { standInHandler } from '../support/lambda-runtime';

let gh: GitHubStandIn;

/** A fresh process: the production runtime with its shipped Octokit (no `Octokit` override). */
function freshRuntime() {
  return standInHandler(gh);
}

/** Files one issue per entry (no webhook), then delivers every `issues.opened` at once. */
async function fireAtOnce(issues: { repo: string; number: number }[], handler = freshRuntime()) {
  for (const i of issues)
    gh.createIssue(i.repo, {
      title: `Crash on start ${i.number}`,
      body: 'stack trace',
      user: 'alice',
      number: i.number,
      webhook: false,
    });
  const deliveries = issues.map((i) => gh.buildWebhook('issues', gh.issuesPayload(i.repo, i.number, 'opened')));
  const results = await Promise.all(deliveries.map((d) => handler(httpApiEvent(d))));
  return results.map((r) => r.statusCode);
}

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await gh.close();
});

describe('parallel events right after start-up, throttling as shipped', () => {
  it('labels 12 concurrent issues of one installation', { timeout: 15_000 }, async () => {
    gh.createRepo('acme/widgets');
    const issues = Array.from({ length: 12 }, (_, k) => ({ repo: 'acme/widgets', number: k + 1 }));
    expect(await fireAtOnce(issues)).toEqual(issues.map(() => 200));
    for (const i of issues) {
      expect(gh.issue(i.repo, i.number).labels).toEqual(['bug']);
      expect(gh.botComments(i.repo, i.number)).toHaveLength(1);
    }
  });

  it('labels 12 concurrent issues across 12 installations', { timeout: 15_000 }, async () => {
    const issues = Array.from({ length: 12 }, (_, k) => ({ repo: `org${k}/widgets`, number: 1 }));
    for (const i of issues) gh.createRepo(i.repo);
    expect(await fireAtOnce(issues)).toEqual(issues.map(() => 200));
    for (const i of issues) expect(gh.issue(i.repo, i.number).labels).toEqual(['bug']);
  });

  it('labels 12 concurrent issues again after the installation token expired', { timeout: 20_000 }, async () => {
    gh.createRepo('acme/widgets');
    const handler = freshRuntime();
    const first = Array.from({ length: 12 }, (_, k) => ({ repo: 'acme/widgets', number: k + 1 }));
    expect(await fireAtOnce(first, handler)).toEqual(first.map(() => 200));
    // An hour and a bit later (only the clock moves; timers stay real): Probot's cached token has expired, and the
    // stand-in refuses it too, so every one of the next events needs a new token at once.
    const later = 61 * 60_000;
    const realNow = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + later); // the token cache's clock
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + later);
    const second = Array.from({ length: 12 }, (_, k) => ({ repo: 'acme/widgets', number: k + 13 }));
    expect(await fireAtOnce(second, handler)).toEqual(second.map(() => 200));
    for (const i of [...first, ...second]) expect(gh.issue(i.repo, i.number).labels).toEqual(['bug']);
  });
});
