import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_INTEREST_MAX_AGE_MS } from '../../src/config/helpers-config';
import { MAINTAINER, REPO, startHelpersStack, TRACKING, type HelpersStack } from './stand-in-helpers';

const TRACKING_BODY = [
  'Subscriptions',
  '',
  '* bug @alice',
  '',
  '```yaml',
  'label-rules:',
  '  - any: [high priority]',
  '    then: [triage review]',
  '```',
].join('\n');

let stack: HelpersStack;
afterEach(async () => {
  await stack?.close();
});

const ccLine = (n: number) => /cc .*/.exec(stack.gh.issue(REPO, n).body ?? '')?.[0] ?? null;

describe('no GitHub call for a label no helper could act on', () => {
  it('answers from the cached settings; a label a setting names, an edit, or an old cache go back to GitHub', async () => {
    let now = 1_000_000;
    stack = await startHelpersStack(TRACKING_BODY, { now: () => now });
    const { gh } = stack;
    const issue = gh.createIssue(REPO, { title: 'x', body: 'text', user: 'reporter', webhook: false }).number;
    gh.addLabels(REPO, issue, ['bug'], { user: MAINTAINER });
    await gh.idle();
    expect(ccLine(issue)).toBe('cc @alice');

    gh.counters.reset();
    gh.addLabels(REPO, issue, ['question'], { user: MAINTAINER });
    await gh.idle();
    expect(stack.calls()).toEqual([]);

    // A label a rule names is acted on as before.
    gh.addLabels(REPO, issue, ['high priority'], { user: MAINTAINER });
    await gh.idle();
    expect(gh.issue(REPO, issue).labels).toContain('triage review');

    // An edit delivered here drops the cached answer: the new subscription works at once.
    gh.editIssue(
      REPO,
      TRACKING,
      { body: TRACKING_BODY.replace('* bug @alice', '* bug @alice\n* docs @dora') },
      { user: MAINTAINER },
    );
    await gh.idle();
    gh.addLabels(REPO, issue, ['docs'], { user: MAINTAINER });
    await gh.idle();
    expect(ccLine(issue)).toBe('cc @alice @dora');

    // Past the maximum age the settings are read again, even for a label nothing names.
    now += DEFAULT_INTEREST_MAX_AGE_MS + 1;
    gh.counters.reset();
    gh.addLabels(REPO, issue, ['wontfix'], { user: MAINTAINER });
    await gh.idle();
    expect(stack.calls()).toContain('GET /repos/{owner}/{repo}/contents/{path+}');
  });
});

describe('a failed tracking-issue load', () => {
  it('is retried after a short backoff (2 s, then doubling), not after the 60 s TTL', async () => {
    let now = 5_000_000;
    stack = await startHelpersStack(TRACKING_BODY, { now: () => now });
    const { gh } = stack;
    const trackingReads = () =>
      gh.counters.requests().filter((r) => r.issue === `${REPO}#${TRACKING}` && r.method === 'GET').length;
    gh.faults.add({
      kind: 'status',
      status: 502,
      method: 'GET',
      route: '/repos/{owner}/{repo}/issues/{issue_number}',
      issue: `${REPO}#${TRACKING}`,
      times: 1,
    });
    const a = gh.createIssue(REPO, { title: 'a', body: 'a', user: 'reporter', webhook: false }).number;
    gh.addLabels(REPO, a, ['bug'], { user: MAINTAINER });
    await gh.idle();
    expect(trackingReads()).toBe(1);
    expect(ccLine(a)).toBeNull();

    now += 1_000; // within the backoff: no new read
    const b = gh.createIssue(REPO, { title: 'b', body: 'b', user: 'reporter', webhook: false }).number;
    gh.addLabels(REPO, b, ['bug'], { user: MAINTAINER });
    await gh.idle();
    expect(trackingReads()).toBe(1);
    expect(ccLine(b)).toBeNull();

    now += 1_500; // 2.5 s after the failure: retried, and CC works
    const c = gh.createIssue(REPO, { title: 'c', body: 'c', user: 'reporter', webhook: false }).number;
    gh.addLabels(REPO, c, ['bug'], { user: MAINTAINER });
    await gh.idle();
    expect(trackingReads()).toBe(2);
    expect(ccLine(c)).toBe('cc @alice');
  });
});
