import { describe, expect, it } from 'vitest';
import type { LabeledIssue } from '../../src/ml/dataset';
import { labelFilter, parseInlineLabelMap, parseLabelList } from '../../src/ml/label-map';
import { botLabelCounts, chooseClasses } from '../../src/ops/onboard-classes';

const row = (...labels: string[]): LabeledIssue => ({ repo: 'o/r', title: labels.join(' '), body: '', labels });
const rows = [
  ...Array.from({ length: 6 }, () => row('bug', 'Good-First-Issue')),
  ...Array.from({ length: 5 }, () => row('enhancement', 'help_wanted')),
  ...Array.from({ length: 5 }, () => row('kind/question')),
  row('stale'),
  row('docs'),
];

describe('chooseClasses', () => {
  it('leaves out workflow labels (case, - and _ ignored) and labels with too few issues; rows keep only the classes', () => {
    const c = chooseClasses(rows, { minExamples: 5 });
    expect(c.classes).toEqual([
      { label: 'bug', issues: 6 },
      { label: 'enhancement', issues: 5 },
      { label: 'kind/question', issues: 5 },
    ]);
    expect(c.excluded.map((e) => `${e.label}:${e.why}`).sort()).toEqual([
      'Good-First-Issue:workflow',
      'docs:too few',
      'help_wanted:workflow',
      'stale:workflow',
    ]);
    expect(c.rows).toHaveLength(16);
    expect(c.rows.every((r) => r.labels.length === 1)).toBe(true);
  });

  it('--exclude adds to the list, --no-default-exclude keeps workflow labels, --labels names the classes', () => {
    expect(chooseClasses(rows, { minExamples: 5, exclude: ['KIND/question'] }).classes.map((c) => c.label)).toEqual([
      'bug',
      'enhancement',
    ]);
    expect(chooseClasses(rows, { minExamples: 5, keepWorkflow: true }).classes.map((c) => c.label)).toContain(
      'Good-First-Issue',
    );
    const filter = labelFilter(undefined, parseLabelList('bug,help_wanted'));
    expect(chooseClasses(rows, { minExamples: 5, filter, explicitLabels: true }).classes.map((c) => c.label)).toEqual([
      'bug',
      'help_wanted',
    ]);
  });

  it('--label-map maps first, then the workflow list applies to the mapped names', () => {
    const filter = labelFilter(
      parseInlineLabelMap('enhancement=feature,kind/question=question,help_wanted=help wanted'),
      undefined,
    );
    const c = chooseClasses(rows, { minExamples: 5, filter });
    expect(c.classes.map((x) => x.label).sort()).toEqual(['feature', 'question']);
    expect(c.excluded).toEqual([{ label: 'help wanted', issues: 5, why: 'workflow' }]);
  });

  it('counts the labels the bot applied', () => {
    expect(botLabelCounts([{ bot_labels: ['bug', 'triaged'] }, {}, { bot_labels: ['triaged'] }])).toEqual({
      bug: 1,
      triaged: 2,
    });
  });
});
