import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideLabels } from '../../src/github/label-decision';
import { labelIssue } from '../../src/github/label-issue';
import { readIssueState, type IssueState } from '../../src/github/issue-state';
import { DEFAULT_REPO_CONFIG, resolveRepoConfig } from '../../src/github/repo-config';
import { BOT_COMMENT_MARKER } from '../../src/github/bot-comment';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { standInOctokit } from '../support/test-octokit';
import { KeywordClassifier, fixedPrediction } from '../support/fake-classifier';

function state(partial: Partial<IssueState> = {}, configYaml?: string): IssueState {
  return {
    ref: { owner: 'o', repo: 'r', number: 1 },
    nodeId: 'I_o/r#1',
    isPrivate: false,
    title: 't',
    body: 'b',
    open: true,
    locked: false,
    author: 'alice',
    labels: [],
    humanRemoved: new Set(),
    botApplied: new Set(),
    botComment: null,
    repoConfig: configYaml === undefined ? { ...DEFAULT_REPO_CONFIG } : resolveRepoConfig({ repoText: configYaml }),
    ...partial,
  };
}

describe('decideLabels (pure)', () => {
  it('applies label-alias (ILB/KLM format)', () => {
    const d = decideLabels(
      state({}, "label-alias:\n  bug: 'kind/bug'\n"),
      fixedPrediction({ bug: 0.9, question: 0.1 }),
    );
    expect(d.action).toBe('label');
    expect(d.toAdd).toEqual(['kind/bug']);
    expect(d.chosen[0]).toMatchObject({ label: 'kind/bug', modelLabel: 'bug' });
  });

  it('keeps only allowlisted predicted-labels (list and KLM map forms, aliased or model names)', () => {
    const p = fixedPrediction({ bug: 0.9, feature: 0.8 });
    expect(decideLabels(state({}, 'predicted-labels: [feature]\n'), p).toAdd).toEqual(['feature']);
    expect(decideLabels(state({}, 'label-alias: {bug: kind/bug}\npredicted-labels:\n  kind/bug:\n'), p).toAdd).toEqual([
      'kind/bug',
    ]);
    const perLabel = decideLabels(state({}, 'predicted-labels:\n  bug: {min-confidence: 0.95}\n  feature:\n'), p);
    expect(perLabel.toAdd).toEqual(['feature']);
  });

  it('respects min-confidence above the model threshold', () => {
    const p = fixedPrediction({ bug: 0.7, feature: 0.85 });
    expect(decideLabels(state({}, 'min-confidence: 0.8\n'), p).toAdd).toEqual(['feature']);
    const none = decideLabels(state({}, 'min-confidence: 0.9\n'), p);
    expect(none).toMatchObject({ action: 'not-confident', toAdd: [], comment: 'none' });
  });

  it('never lets a label with threshold null through, whatever its score', () => {
    const p = { scores: [{ label: 'bug', score: 0.99, threshold: null }], labels: [] };
    expect(decideLabels(state(), p).action).toBe('not-confident');
  });

  it('offers only the labels the model predicted: a runner-up over its own threshold is not promoted', () => {
    // What a single-label model returns when bug is on top: question clears its low threshold but is not predicted.
    const p = {
      scores: [
        { label: 'bug', score: 0.46, threshold: 0.35 },
        { label: 'question', score: 0.38, threshold: 0.34 },
      ],
      labels: ['bug'],
    };
    expect(decideLabels(state(), p).toAdd).toEqual(['bug']);
  });

  it('only posts the "not confident" note when the setting is on and comments are on', () => {
    const p = fixedPrediction({ bug: 0.1 });
    expect(decideLabels(state({}, 'not-confident-comment: true\n'), p).comment).toBe('not-confident');
    expect(decideLabels(state({}, 'not-confident-comment: true\ncomment: false\n'), p).comment).toBe('none');
    expect(decideLabels(state(), p).comment).toBe('none');
  });

  it('skip-if-labeled skips issues carrying human labels but not the ones bots put there', () => {
    const p = fixedPrediction({ bug: 0.9 });
    expect(decideLabels(state({ labels: ['needs-info'] }, 'skip-if-labeled: true\n'), p)).toMatchObject({
      action: 'skip',
      reason: 'skip-if-labeled',
    });
    const ours = decideLabels(state({ labels: ['bug'], botApplied: new Set(['bug']) }, 'skip-if-labeled: true\n'), p);
    expect(ours).toMatchObject({ action: 'label', toAdd: [] });
    expect(decideLabels(state({ labels: ['needs-info'] }), p).toAdd).toEqual(['bug']);
  });

  it('never re-adds a label a human removed, and says nothing when that was the only label', () => {
    const p = fixedPrediction({ bug: 0.9, feature: 0.8 });
    const d = decideLabels(state({ humanRemoved: new Set(['bug']) }), p);
    expect(d.toAdd).toEqual(['feature']);
    expect(d.suppressed).toEqual(['bug']);
    const only = decideLabels(
      state({ humanRemoved: new Set(['bug']) }, 'not-confident-comment: true\n'),
      fixedPrediction({ bug: 0.9 }),
    );
    expect(only).toMatchObject({ action: 'skip', reason: 'only-human-removed', comment: 'none' });
  });

  it('silent mode still labels but plans no comment', () => {
    const d = decideLabels(state({}, 'comment: false\n'), fixedPrediction({ bug: 0.9 }));
    expect(d).toMatchObject({ action: 'label', toAdd: ['bug'], comment: 'none' });
  });

  it('is a set union: labels already present are not re-posted', () => {
    const d = decideLabels(state({ labels: ['bug', 'p1'] }), fixedPrediction({ bug: 0.9, feature: 0.7 }));
    expect(d.toAdd).toEqual(['feature']);
    expect(d.chosen.map((c) => c.label)).toEqual(['bug', 'feature']);
  });
});

describe('labelIssue against the GitHub stand-in', () => {
  let gh: GitHubStandIn;
  const classifier = new KeywordClassifier('universal/test-1');
  const LABELS = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
  const DELETE_COMMENT = 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}';
  const CONFIG = '.github/issue_label_bot.yaml';
  const testOctokit = () => standInOctokit(gh);
  const addIssue = (number: number, o: { title: string; body?: string; labels?: string[] }) =>
    gh.createIssue('o/r', { number, body: 'It crashes', user: 'alice', ...o });
  const requests = () => gh.counters.requests();
  const writes = () => requests().filter((r) => r.write);
  beforeAll(async () => {
    gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => {
    gh.reset();
    gh.createRepo('o/r');
  });

  it('labels with at most 3 calls (the comment mutation checks for racers itself), then is a no-op with 1 call on redelivery', async () => {
    addIssue(1, { title: 'App crash on start' });
    const first = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 1 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(first).toMatchObject({ status: 'done', added: ['bug'], comment: 'created', githubCalls: 3 });
    expect(requests().map((r) => r.endpoint)).toEqual([
      'POST graphql:LabelBotIssueState',
      LABELS,
      'POST graphql:LabelBotAddComment',
    ]);
    const issue = gh.issue('o/r', 1);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]).toMatchObject({ author: gh.botLogin });
    expect(issue.comments[0]!.body).toContain(BOT_COMMENT_MARKER);
    expect(issue.comments[0]!.body).toContain('| `bug` | 90.0% |');
    expect(issue.comments[0]!.body).toContain('universal/test-1');

    for (let i = 0; i < 2; i++) {
      const again = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 1 }, classifier, {
        mode: 'act',
        source: 'universal',
      });
      expect(again).toMatchObject({ status: 'done', added: [], comment: 'unchanged', githubCalls: 1 });
    }
    expect(gh.issue('o/r', 1).comments).toHaveLength(1);
    expect(writes()).toHaveLength(2);
  });

  it('parallel deliveries converge on ONE comment, the oldest', async () => {
    addIssue(20, { title: 'crash' });
    const run = () =>
      labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 20 }, classifier, {
        mode: 'act',
        source: 'universal',
      });
    const outcomes = await Promise.all([run(), run(), run()]);
    const issue = gh.issue('o/r', 20);
    expect(issue.comments).toHaveLength(1);
    expect(issue.labels).toEqual(['bug']);
    // Each racer whose read found "no comment yet" created one (a racer whose read landed between another's label
    // and comment writes waits and re-reads instead: racer-in-flight.ts); the first created is the one kept.
    const created = gh.counters.count('POST graphql:LabelBotAddComment');
    expect(created).toBeGreaterThanOrEqual(1);
    expect(created).toBeLessThanOrEqual(3);
    const deleted = requests()
      .filter((r) => r.endpoint === DELETE_COMMENT)
      .map((r) => Number(r.path.split('/').pop()));
    // Racers may delete the same duplicate (one gets a 404); what goes is always younger than what stays.
    expect(new Set(deleted).size).toBe(created - 1);
    for (const id of deleted) expect(id).toBeGreaterThan(issue.comments[0]!.id);
    expect(outcomes.filter((o) => o.status === 'done' && o.comment === 'created').length).toBeGreaterThanOrEqual(1);
    const again = await run();
    expect(again).toMatchObject({ comment: 'unchanged', githubCalls: 1 });
  });

  it('a racing duplicate in the mutation payload is deleted, whichever is younger: one extra call only then', async () => {
    addIssue(22, { title: 'crash' });
    gh.raceNextComment('o/r', 22, 'before');
    const lost = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 22 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    // Read, labels, mutation, and the DELETE of our own comment: the racer's is older and stays.
    expect(lost).toMatchObject({ comment: 'created', githubCalls: 4 });
    const [racer] = gh.issue('o/r', 22).comments;
    expect(gh.issue('o/r', 22).comments).toHaveLength(1);
    const deletes = () =>
      requests()
        .filter((r) => r.endpoint === DELETE_COMMENT)
        .map((r) => Number(r.path.split('/').pop()));
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]).toBeGreaterThan(racer!.id);

    addIssue(23, { title: 'crash' });
    gh.raceNextComment('o/r', 23, 'after');
    const won = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 23 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    // `bug` exists now (issue 22 created it), so the read returns its id and labels and comment go in one mutation:
    // read, that mutation, and the DELETE of the racer's younger comment.
    expect(won).toMatchObject({ comment: 'created', githubCalls: 3 });
    expect(
      requests()
        .slice(-3)
        .map((r) => r.endpoint),
    ).toEqual(['POST graphql:LabelBotIssueState', 'POST graphql:LabelBotApplyDecision', DELETE_COMMENT]);
    const [ours] = gh.issue('o/r', 23).comments;
    expect(gh.issue('o/r', 23).comments).toHaveLength(1);
    expect(deletes()).toHaveLength(2);
    expect(deletes().at(-1)).toBeGreaterThan(ours!.id);
  });

  it('duplicates left by an earlier race are removed on the next run', async () => {
    addIssue(21, { title: 'crash' });
    const ids = [1, 2, 3].map(() => gh.comment('o/r', 21, `${BOT_COMMENT_MARKER}\nold`, { user: gh.botLogin }));
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 21 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(out).toMatchObject({ comment: 'updated' });
    expect(gh.issue('o/r', 21).comments.map((c) => c.id)).toEqual([ids[0]]);
    expect(gh.counters.count(DELETE_COMMENT)).toBe(2);
  });

  it('finds its comment on a busy issue where it came after the first 100 comments', async () => {
    addIssue(24, { title: 'crash' });
    for (let i = 1; i <= 150; i++) gh.comment('o/r', 24, `comment ${i}`, { user: 'someone' });
    const first = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 24 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(first).toMatchObject({ comment: 'created', githubCalls: 3 });
    // A redelivery reads it from the last 100 comments: nothing is created, deleted or edited.
    const again = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 24 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(again).toMatchObject({ comment: 'unchanged', githubCalls: 1 });
    expect(gh.issue('o/r', 24).comments.filter((c) => c.body.includes(BOT_COMMENT_MARKER))).toHaveLength(1);
  });

  it('edits its one comment in place when the model version changes', async () => {
    addIssue(2, { title: 'crash' });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 2 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    const v2 = new KeywordClassifier('universal/test-2');
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 2 }, v2, {
      mode: 'act',
      source: 'repo',
    });
    expect(out).toMatchObject({ comment: 'updated', githubCalls: 2 });
    expect(gh.issue('o/r', 2).comments).toHaveLength(1);
    expect(gh.issue('o/r', 2).comments[0]!.body).toContain('universal/test-2');
  });

  it('does not re-add a label a human removed (read from the timeline)', async () => {
    addIssue(3, { title: 'crash', body: 'please add a retry' });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 3 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(gh.issue('o/r', 3).labels.sort()).toEqual(['bug', 'feature']);
    gh.removeLabel('o/r', 3, 'bug', { user: 'maintainer' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 3 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(out).toMatchObject({ added: [] });
    expect(gh.issue('o/r', 3).labels).toEqual(['feature']);
    expect(gh.counters.count(LABELS)).toBe(1);
  });

  it('never removes human labels (POST union, never PUT/DELETE)', async () => {
    addIssue(4, { title: 'crash', labels: ['p1'] });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 4 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(gh.issue('o/r', 4).labels).toEqual(['p1', 'bug']);
    expect(requests().some((r) => r.method === 'PUT' || r.method === 'DELETE')).toBe(false);
  });

  it('silent mode labels without commenting', async () => {
    gh.setFile('o/r', CONFIG, 'comment: false\n');
    addIssue(5, { title: 'crash' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 5 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(out).toMatchObject({ added: ['bug'], comment: 'none', githubCalls: 2 });
    expect(gh.issue('o/r', 5).comments).toHaveLength(0);
  });

  it('merges the org .github file under the repo file', async () => {
    gh.createRepo('o/.github', {
      files: { [CONFIG]: "label-alias:\n  bug: 'kind/bug'\n  feature: 'kind/feature'\ncomment: false\n" },
    });
    gh.setFile('o/r', CONFIG, "label-alias:\n  feature: 'enhancement'\n");
    addIssue(6, { title: 'crash', body: 'please add x' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 6 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(out).toMatchObject({ comment: 'none' });
    expect(gh.issue('o/r', 6).labels.sort()).toEqual(['enhancement', 'kind/bug']);
  });

  it('an invalid repo file falls back to defaults instead of failing', async () => {
    gh.setFile('o/r', CONFIG, 'comment: [oops\n');
    addIssue(7, { title: 'crash' });
    const st = await readIssueState(testOctokit(), { owner: 'o', repo: 'r', number: 7 });
    expect(st!.repoConfig.comment).toBe(true);
    expect(st!.repoConfig.warnings.join()).toMatch(/repo issue_label_bot.yaml ignored: invalid YAML/);
    gh.setFile('o/r', CONFIG, 'min-confidence: 7\n');
    const st2 = await readIssueState(testOctokit(), { owner: 'o', repo: 'r', number: 7 });
    expect(st2!.repoConfig.minConfidence).toBe(0);
    expect(st2!.repoConfig.warnings.join()).toMatch(/min-confidence/);
  });

  it('does nothing when no label clears the threshold, except the optional note', async () => {
    addIssue(8, { title: 'hello', body: 'nothing to see' });
    const quiet = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 8 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(quiet).toMatchObject({ added: [], comment: 'none', githubCalls: 1 });
    gh.setFile('o/r', CONFIG, 'not-confident-comment: true\n');
    for (let i = 0; i < 2; i++)
      await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 8 }, classifier, {
        mode: 'act',
        source: 'universal',
      });
    expect(gh.issue('o/r', 8).comments).toHaveLength(1);
    expect(gh.issue('o/r', 8).comments[0]!.body).toMatch(/not confident/);
    expect(gh.issue('o/r', 8).labels).toEqual([]);
  });

  it('shadow and dry-run modes never write', async () => {
    addIssue(9, { title: 'crash' });
    for (const mode of ['shadow', 'dry-run'] as const) {
      const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 9 }, classifier, {
        mode,
        source: 'repo',
      });
      expect(out).toMatchObject({ status: 'done', added: [], githubCalls: 1 });
      if (out.status === 'done') expect(out.decision.toAdd).toEqual(['bug']);
    }
    expect(writes()).toHaveLength(0);
  });

  it('returns gone for a missing issue and ignores a lookalike comment by a human', async () => {
    const gone = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 404 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(gone.status).toBe('gone');
    addIssue(10, { title: 'crash' });
    gh.comment('o/r', 10, `${BOT_COMMENT_MARKER} fake`, { user: 'mallory' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 10 }, classifier, {
      mode: 'act',
      source: 'universal',
    });
    expect(out).toMatchObject({ comment: 'created' });
    expect(gh.issue('o/r', 10).comments.map((c) => [c.author, c.body.includes('fake')])).toEqual([
      ['mallory', true],
      [gh.botLogin, false],
    ]);
  });

  it('uses the operator defaults under the repo file', async () => {
    addIssue(11, { title: 'crash' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 11 }, classifier, {
      mode: 'act',
      source: 'universal',
      defaults: { comment: false, 'label-alias': { bug: 'type: bug' } },
    });
    expect(out).toMatchObject({ added: ['type: bug'], comment: 'none' });
    expect(gh.issue('o/r', 11).labels).toEqual(['type: bug']);
  });
});
