import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideLabels } from '../../src/github/label-decision';
import { labelIssue } from '../../src/github/label-issue';
import { readIssueState, type IssueState } from '../../src/github/issue-state';
import { DEFAULT_REPO_CONFIG, resolveRepoConfig } from '../../src/github/repo-config';
import { BOT_COMMENT_MARKER } from '../../src/github/bot-comment';
import { ADD_COMMENT_OPERATION } from '../../src/github/add-comment-mutation';
import { FakeGitHub, testOctokit } from '../support/nock-github';
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
    const d = decideLabels(state({}, "label-alias:\n  bug: 'kind/bug'\n"), fixedPrediction({ bug: 0.9, question: 0.1 }));
    expect(d.action).toBe('label');
    expect(d.toAdd).toEqual(['kind/bug']);
    expect(d.chosen[0]).toMatchObject({ label: 'kind/bug', modelLabel: 'bug' });
  });

  it('keeps only allowlisted predicted-labels (list and KLM map forms, aliased or model names)', () => {
    const p = fixedPrediction({ bug: 0.9, feature: 0.8 });
    expect(decideLabels(state({}, 'predicted-labels: [feature]\n'), p).toAdd).toEqual(['feature']);
    expect(decideLabels(state({}, "label-alias: {bug: kind/bug}\npredicted-labels:\n  kind/bug:\n"), p).toAdd).toEqual(['kind/bug']);
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
    expect(decideLabels(state({ labels: ['needs-info'] }, 'skip-if-labeled: true\n'), p)).toMatchObject({ action: 'skip', reason: 'skip-if-labeled' });
    const ours = decideLabels(state({ labels: ['bug'], botApplied: new Set(['bug']) }, 'skip-if-labeled: true\n'), p);
    expect(ours).toMatchObject({ action: 'label', toAdd: [] });
    expect(decideLabels(state({ labels: ['needs-info'] }), p).toAdd).toEqual(['bug']);
  });

  it('never re-adds a label a human removed, and says nothing when that was the only label', () => {
    const p = fixedPrediction({ bug: 0.9, feature: 0.8 });
    const d = decideLabels(state({ humanRemoved: new Set(['bug']) }), p);
    expect(d.toAdd).toEqual(['feature']);
    expect(d.suppressed).toEqual(['bug']);
    const only = decideLabels(state({ humanRemoved: new Set(['bug']) }, 'not-confident-comment: true\n'), fixedPrediction({ bug: 0.9 }));
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

describe('labelIssue against a stateful GitHub (nock)', () => {
  let gh: FakeGitHub;
  const classifier = new KeywordClassifier('universal/test-1');
  beforeEach(() => {
    nock.disableNetConnect();
    gh = new FakeGitHub();
    gh.addRepo('o/r');
    gh.install();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('labels with at most 3 calls (the comment mutation checks for racers itself), then is a no-op with 1 call on redelivery', async () => {
    gh.addIssue('o/r', { number: 1, title: 'App crash on start' });
    const first = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 1 }, classifier, { mode: 'act', source: 'universal' });
    expect(first).toMatchObject({ status: 'done', added: ['bug'], comment: 'created', githubCalls: 3 });
    expect(gh.calls.map((c) => c.operation ?? `${c.method} ${c.path}`)).toEqual(['LabelBotIssueState', 'POST /repos/o/r/issues/1/labels', ADD_COMMENT_OPERATION]);
    const issue = gh.issue('o/r', 1);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]!.body).toContain(BOT_COMMENT_MARKER);
    expect(issue.comments[0]!.body).toContain('| `bug` | 90.0% |');
    expect(issue.comments[0]!.body).toContain('universal/test-1');

    for (let i = 0; i < 2; i++) {
      const again = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 1 }, classifier, { mode: 'act', source: 'universal' });
      expect(again).toMatchObject({ status: 'done', added: [], comment: 'unchanged', githubCalls: 1 });
    }
    expect(issue.comments).toHaveLength(1);
    expect(gh.writes()).toHaveLength(2);
  });

  it('parallel deliveries converge on ONE comment, the oldest', async () => {
    gh.addIssue('o/r', { number: 20, title: 'crash' });
    const run = () => labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 20 }, classifier, { mode: 'act', source: 'universal' });
    const outcomes = await Promise.all([run(), run(), run()]);
    const issue = gh.issue('o/r', 20);
    expect(issue.comments).toHaveLength(1);
    expect(issue.labels).toEqual(['bug']);
    // All three read "no comment yet" and created one; the first created is the one kept.
    expect(gh.graphqlCalls(ADD_COMMENT_OPERATION)).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'done' && o.comment === 'created').length).toBeGreaterThanOrEqual(1);
    const again = await run();
    expect(again).toMatchObject({ comment: 'unchanged', githubCalls: 1 });
  });

  it('a racing duplicate in the mutation payload is deleted, whichever is younger: one extra call only then', async () => {
    gh.addIssue('o/r', { number: 22, title: 'crash' });
    gh.raceNextComment('o/r', 22, 'before');
    const lost = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 22 }, classifier, { mode: 'act', source: 'universal' });
    // Read, labels, mutation, and the DELETE of our own comment: the racer's is older and stays.
    expect(lost).toMatchObject({ comment: 'created', githubCalls: 4 });
    const [racer] = gh.issue('o/r', 22).comments;
    expect(gh.issue('o/r', 22).comments).toHaveLength(1);
    expect(gh.callsTo('DELETE', '/issues/comments/').map((c) => c.path)).toEqual([`/repos/o/r/issues/comments/${racer!.id + 1}`]);

    gh.addIssue('o/r', { number: 23, title: 'crash' });
    gh.raceNextComment('o/r', 23, 'after');
    const won = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 23 }, classifier, { mode: 'act', source: 'universal' });
    expect(won).toMatchObject({ comment: 'created', githubCalls: 4 });
    const [ours] = gh.issue('o/r', 23).comments;
    expect(gh.issue('o/r', 23).comments).toHaveLength(1);
    expect(gh.callsTo('DELETE', '/issues/comments/').at(-1)?.path).toBe(`/repos/o/r/issues/comments/${ours!.id + 1}`);
  });

  it('duplicates left by an earlier race are removed on the next run', async () => {
    const dup = (id: number) => ({ id, body: `${BOT_COMMENT_MARKER}\nold`, author: { login: 'label-bot[bot]', __typename: 'Bot' as const } });
    gh.addIssue('o/r', { number: 21, title: 'crash', comments: [dup(5), dup(3), dup(9)] });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 21 }, classifier, { mode: 'act', source: 'universal' });
    expect(out).toMatchObject({ comment: 'updated' });
    expect(gh.issue('o/r', 21).comments.map((c) => c.id)).toEqual([3]);
    expect(gh.callsTo('DELETE', '/issues/comments/')).toHaveLength(2);
  });

  it('finds its comment on a busy issue where it came after the first 100 comments', async () => {
    const human = (id: number) => ({ id, body: `comment ${id}`, author: { login: 'someone', __typename: 'User' as const } });
    gh.addIssue('o/r', { number: 24, title: 'crash', comments: Array.from({ length: 150 }, (_, i) => human(i + 1)) });
    const first = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 24 }, classifier, { mode: 'act', source: 'universal' });
    expect(first).toMatchObject({ comment: 'created', githubCalls: 3 });
    // A redelivery reads it from the last 100 comments: nothing is created, deleted or edited.
    const again = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 24 }, classifier, { mode: 'act', source: 'universal' });
    expect(again).toMatchObject({ comment: 'unchanged', githubCalls: 1 });
    expect(gh.issue('o/r', 24).comments.filter((c) => c.body.includes(BOT_COMMENT_MARKER))).toHaveLength(1);
  });

  it('edits its one comment in place when the model version changes', async () => {
    gh.addIssue('o/r', { number: 2, title: 'crash' });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 2 }, classifier, { mode: 'act', source: 'universal' });
    const v2 = new KeywordClassifier('universal/test-2');
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 2 }, v2, { mode: 'act', source: 'repo' });
    expect(out).toMatchObject({ comment: 'updated', githubCalls: 2 });
    expect(gh.issue('o/r', 2).comments).toHaveLength(1);
    expect(gh.issue('o/r', 2).comments[0]!.body).toContain('universal/test-2');
  });

  it('does not re-add a label a human removed (read from the timeline)', async () => {
    gh.addIssue('o/r', { number: 3, title: 'crash', body: 'please add a retry' });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 3 }, classifier, { mode: 'act', source: 'universal' });
    expect(gh.issue('o/r', 3).labels.sort()).toEqual(['bug', 'feature']);
    gh.humanUnlabel('o/r', 3, 'bug');
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 3 }, classifier, { mode: 'act', source: 'universal' });
    expect(out).toMatchObject({ added: [] });
    expect(gh.issue('o/r', 3).labels).toEqual(['feature']);
    expect(gh.callsTo('POST', '/labels')).toHaveLength(1);
  });

  it('never removes human labels (POST union, never PUT/DELETE)', async () => {
    gh.addIssue('o/r', { number: 4, title: 'crash', labels: ['p1'] });
    await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 4 }, classifier, { mode: 'act', source: 'universal' });
    expect(gh.issue('o/r', 4).labels).toEqual(['p1', 'bug']);
    expect(gh.calls.some((c) => c.method === 'PUT' || c.method === 'DELETE')).toBe(false);
  });

  it('silent mode labels without commenting', async () => {
    gh.repo('o/r').config = 'comment: false\n';
    gh.addIssue('o/r', { number: 5, title: 'crash' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 5 }, classifier, { mode: 'act', source: 'universal' });
    expect(out).toMatchObject({ added: ['bug'], comment: 'none', githubCalls: 2 });
    expect(gh.issue('o/r', 5).comments).toHaveLength(0);
  });

  it('merges the org .github file under the repo file', async () => {
    gh.orgConfigs.set('o', "label-alias:\n  bug: 'kind/bug'\n  feature: 'kind/feature'\ncomment: false\n");
    gh.repo('o/r').config = "label-alias:\n  feature: 'enhancement'\n";
    gh.addIssue('o/r', { number: 6, title: 'crash', body: 'please add x' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 6 }, classifier, { mode: 'act', source: 'universal' });
    expect(out).toMatchObject({ comment: 'none' });
    expect(gh.issue('o/r', 6).labels.sort()).toEqual(['enhancement', 'kind/bug']);
  });

  it('an invalid repo file falls back to defaults instead of failing', async () => {
    gh.repo('o/r').config = 'comment: [oops\n';
    gh.addIssue('o/r', { number: 7, title: 'crash' });
    const st = await readIssueState(testOctokit(), { owner: 'o', repo: 'r', number: 7 });
    expect(st!.repoConfig.comment).toBe(true);
    expect(st!.repoConfig.warnings.join()).toMatch(/repo issue_label_bot.yaml ignored: invalid YAML/);
    gh.repo('o/r').config = 'min-confidence: 7\n';
    const st2 = await readIssueState(testOctokit(), { owner: 'o', repo: 'r', number: 7 });
    expect(st2!.repoConfig.minConfidence).toBe(0);
    expect(st2!.repoConfig.warnings.join()).toMatch(/min-confidence/);
  });

  it('does nothing when no label clears the threshold, except the optional note', async () => {
    gh.addIssue('o/r', { number: 8, title: 'hello', body: 'nothing to see' });
    const quiet = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 8 }, classifier, { mode: 'act', source: 'universal' });
    expect(quiet).toMatchObject({ added: [], comment: 'none', githubCalls: 1 });
    gh.repo('o/r').config = 'not-confident-comment: true\n';
    for (let i = 0; i < 2; i++) await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 8 }, classifier, { mode: 'act', source: 'universal' });
    expect(gh.issue('o/r', 8).comments).toHaveLength(1);
    expect(gh.issue('o/r', 8).comments[0]!.body).toMatch(/not confident/);
    expect(gh.issue('o/r', 8).labels).toEqual([]);
  });

  it('shadow and dry-run modes never write', async () => {
    gh.addIssue('o/r', { number: 9, title: 'crash' });
    for (const mode of ['shadow', 'dry-run'] as const) {
      const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 9 }, classifier, { mode, source: 'repo' });
      expect(out).toMatchObject({ status: 'done', added: [], githubCalls: 1 });
      if (out.status === 'done') expect(out.decision.toAdd).toEqual(['bug']);
    }
    expect(gh.writes()).toHaveLength(0);
  });

  it('returns gone for a missing issue and ignores a lookalike comment by a human', async () => {
    const gone = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 404 }, classifier, { mode: 'act', source: 'universal' });
    expect(gone.status).toBe('gone');
    gh.addIssue('o/r', { number: 10, title: 'crash', comments: [{ id: 1, body: `${BOT_COMMENT_MARKER} fake`, author: { login: 'mallory', __typename: 'User' } }] });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 10 }, classifier, { mode: 'act', source: 'universal' });
    expect(out).toMatchObject({ comment: 'created' });
    expect(gh.issue('o/r', 10).comments[0]!.body).toContain('fake');
  });

  it('uses the operator defaults under the repo file', async () => {
    gh.addIssue('o/r', { number: 11, title: 'crash' });
    const out = await labelIssue(testOctokit(), { owner: 'o', repo: 'r', number: 11 }, classifier, {
      mode: 'act',
      source: 'universal',
      defaults: { comment: false, 'label-alias': { bug: 'type: bug' } },
    });
    expect(out).toMatchObject({ added: ['type: bug'], comment: 'none' });
  });
});
