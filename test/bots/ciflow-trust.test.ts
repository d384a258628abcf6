import { afterEach, describe, expect, it } from 'vitest';
import { CIFLOW_REVIEW_MARKER } from '../../src/helpers/ciflow-review';
import { CIFLOW_UNKNOWN_MARKER } from '../../src/helpers/ciflow-unknown';
import type { WebhookDelivery } from '../support/github-stand-in';
import { MAINTAINER, REPO, startHelpersStack, type HelpersStack } from './stand-in-helpers';

const tracking = (forks?: string) =>
  [
    'CI labels for this repo.',
    '',
    '```yaml',
    'ciflow:',
    '  labels: [ciflow/trunk, ciflow/periodic]',
    ...(forks ? [`  forks: ${forks}`] : []),
    '```',
  ].join('\n');

let stack: HelpersStack;
afterEach(async () => {
  await stack?.close();
});

const TAG = (pr: number) => `refs/tags/ciflow/trunk/${pr}`;
const reviewComments = (pr: number) =>
  stack.gh.botComments(REPO, pr).filter((c) => c.body.includes(CIFLOW_REVIEW_MARKER));

/** A fork PR by `outsider` (read access only), labeled `ciflow/trunk` by the maintainer. */
async function forkPrLabeled(forks?: string): Promise<{ pr: number; head: string }> {
  stack = await startHelpersStack(tracking(forks));
  const { gh } = stack;
  gh.setPermission(REPO, 'outsider', 'read');
  const pr = gh.openPullRequest(REPO, { title: 'Fix', user: 'outsider', fromFork: 'outsider/widgets' });
  const head = gh.store.requireIssue(gh.repo(REPO), pr.number).pull!.headSha;
  gh.addLabels(REPO, pr.number, ['ciflow/trunk'], { user: MAINTAINER });
  await gh.idle();
  return { pr: pr.number, head };
}

describe('ciflow trust model for fork PRs (forks: review, the default)', () => {
  it('labeled by a maintainer → tag; author pushes → tag removed, one comment; re-labeled → tag at the new head', async () => {
    const { pr, head } = await forkPrLabeled();
    const { gh } = stack;
    expect(gh.refs(REPO)[TAG(pr)]).toBe(head);
    expect(reviewComments(pr)).toHaveLength(0);

    const pushed = gh.pushToPullRequest(REPO, pr, { user: 'outsider' });
    await gh.idle();
    expect(gh.refs(REPO)[TAG(pr)]).toBeUndefined();
    expect(reviewComments(pr)).toHaveLength(1);
    expect(reviewComments(pr)[0]!.body).toContain(pushed);

    // The synchronize delivery redelivered twice: still one comment, no tag.
    const sync = stack.deliveries('pull_request', 'synchronize').at(-1)!;
    gh.counters.reset();
    await stack.redeliver(sync);
    await stack.redeliver(sync);
    expect(reviewComments(pr)).toHaveLength(1);
    expect(gh.counters.requests().filter((r) => r.write)).toEqual([]);
    expect(gh.refs(REPO)[TAG(pr)]).toBeUndefined();

    // The old labeled delivery redelivered after the push approves nothing: the maintainer saw the old head.
    await stack.redeliver(stack.deliveries('pull_request', 'labeled').at(-1)!);
    expect(gh.refs(REPO)[TAG(pr)]).toBeUndefined();

    // The maintainer reviews and re-applies the label: tag at the new head, the one comment says so.
    gh.removeLabel(REPO, pr, 'ciflow/trunk', { user: MAINTAINER });
    gh.addLabels(REPO, pr, ['ciflow/trunk'], { user: MAINTAINER });
    await gh.idle();
    expect(gh.refs(REPO)[TAG(pr)]).toBe(pushed);
    expect(reviewComments(pr)).toHaveLength(1);
    expect(reviewComments(pr)[0]!.body).toContain('was reviewed');
  });

  it('the push delivered three times in parallel (two copies of the bot racing) still leaves one comment', async () => {
    const { pr } = await forkPrLabeled();
    const { gh } = stack;
    const captured: WebhookDelivery[] = [];
    gh.setWebhookTarget(async (d) => {
      captured.push(d);
      return { status: 200 };
    });
    gh.pushToPullRequest(REPO, pr, { user: 'outsider' });
    await gh.idle();
    gh.setWebhookTarget(async (d) => {
      await stack.redeliver(d);
      return { status: 200 };
    });
    const sync = captured.find((d) => d.action === 'synchronize')!;
    await Promise.all([stack.redeliver(sync), stack.redeliver(sync), stack.redeliver(sync)]);
    await gh.idle();
    expect(reviewComments(pr)).toHaveLength(1);
    expect(gh.refs(REPO)[TAG(pr)]).toBeUndefined();
  });

  it('a label added by someone without write access (triage) does not tag an outsider fork PR and says why', async () => {
    stack = await startHelpersStack(tracking());
    const { gh } = stack;
    gh.setPermission(REPO, 'outsider', 'read');
    gh.setPermission(REPO, 'triager', 'triage');
    const pr = gh.openPullRequest(REPO, { title: 'Fix', user: 'outsider', fromFork: 'outsider/widgets' }).number;
    gh.addLabels(REPO, pr, ['ciflow/trunk'], { user: 'triager' });
    await gh.idle();
    expect(gh.refs(REPO)[TAG(pr)]).toBeUndefined();
    expect(reviewComments(pr)).toHaveLength(1);
  });

  it('authors with write access keep the tag following their pushes, without any comment', async () => {
    stack = await startHelpersStack(tracking());
    const { gh } = stack;
    gh.setPermission(REPO, 'core-dev', 'write');
    const pr = gh.openPullRequest(REPO, { title: 'Fix', user: 'core-dev', fromFork: 'core-dev/widgets' }).number;
    gh.addLabels(REPO, pr, ['ciflow/trunk'], { user: MAINTAINER });
    await gh.idle();
    const pushed = gh.pushToPullRequest(REPO, pr, { user: 'core-dev' });
    await gh.idle();
    expect(gh.refs(REPO)[TAG(pr)]).toBe(pushed);
    expect(gh.botComments(REPO, pr)).toHaveLength(0);
  });

  it('forks: tag keeps the old behaviour (the tag follows the push) for repos that opt in', async () => {
    const { pr } = await forkPrLabeled('tag');
    const pushed = stack.gh.pushToPullRequest(REPO, pr, { user: 'outsider' });
    await stack.gh.idle();
    expect(stack.gh.refs(REPO)[TAG(pr)]).toBe(pushed);
  });
});

describe('unknown ciflow label', () => {
  it('gets one comment naming the configured labels, edited (not repeated) on redelivery', async () => {
    stack = await startHelpersStack(tracking());
    const { gh } = stack;
    const pr = gh.openPullRequest(REPO, { title: 'Fix', user: MAINTAINER }).number;
    gh.addLabels(REPO, pr, ['ciflow/trunc'], { user: MAINTAINER });
    await gh.idle();
    const comments = () => gh.botComments(REPO, pr).filter((c) => c.body.includes(CIFLOW_UNKNOWN_MARKER));
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toContain('Unknown label `ciflow/trunc`');
    expect(comments()[0]!.body).toContain('`ciflow/trunk`, `ciflow/periodic`');
    const labeled = stack.deliveries('pull_request', 'labeled').at(-1)!;
    await stack.redeliver(labeled);
    await stack.redeliver(labeled);
    expect(comments()).toHaveLength(1);
    gh.addLabels(REPO, pr, ['ciflow/nightly'], { user: MAINTAINER });
    await gh.idle();
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toContain('`ciflow/nightly`');
    expect(Object.keys(gh.refs(REPO)).filter((r) => r.startsWith('refs/tags/'))).toEqual([]);
  });
});

describe('ciflow review gate with two labels', () => {
  it('re-applying one ciflow label after a push approves the new head for every ciflow label on the PR', async () => {
    stack = await startHelpersStack(tracking());
    const { gh } = stack;
    gh.setPermission(REPO, 'outsider', 'read');
    const pr = gh.openPullRequest(REPO, { title: 'Fix', user: 'outsider', fromFork: 'outsider/widgets' }).number;
    gh.addLabels(REPO, pr, ['ciflow/trunk'], { user: MAINTAINER });
    gh.addLabels(REPO, pr, ['ciflow/periodic'], { user: MAINTAINER });
    await gh.idle();
    const pushed = gh.pushToPullRequest(REPO, pr, { user: 'outsider' });
    await gh.idle();
    expect(reviewComments(pr)[0]!.body).toContain('`ciflow/trunk`, `ciflow/periodic`');
    expect(gh.refs(REPO)[`refs/tags/ciflow/periodic/${pr}`]).toBeUndefined();
    gh.removeLabel(REPO, pr, 'ciflow/periodic', { user: MAINTAINER });
    gh.addLabels(REPO, pr, ['ciflow/periodic'], { user: MAINTAINER });
    await gh.idle();
    expect(gh.refs(REPO)[`refs/tags/ciflow/periodic/${pr}`]).toBe(pushed);
    expect(gh.refs(REPO)[TAG(pr)]).toBe(pushed);
    expect(reviewComments(pr)).toHaveLength(1);
    expect(reviewComments(pr)[0]!.body).toContain('was reviewed');
  });
});
