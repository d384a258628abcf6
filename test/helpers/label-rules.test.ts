import { describe, expect, it } from 'vitest';
import { ruleClosure } from '../../src/helpers/label-rules';
import type { LabelRule } from '../../src/helpers/subscriptions-parser';

const rules: LabelRule[] = [
  { kind: 'any', labels: ['high priority'], then: ['triage review'] },
  { kind: 'any', labels: ['triage review'], then: ['needs discussion'] },
  { kind: 'all', labels: ['bug', 'regression'], then: ['high priority'] },
  { kind: 'any', labels: ['loop-a'], then: ['loop-b'] },
  { kind: 'any', labels: ['loop-b'], then: ['loop-a'] },
];

describe('ruleClosure', () => {
  it('fires any-rules on the label just added and follows chains', () => {
    expect(ruleClosure(rules, 'High Priority', [])).toEqual(['triage review', 'needs discussion']);
  });
  it('fires all-rules only when every label is present', () => {
    expect(ruleClosure(rules, 'bug', [])).toEqual([]);
    expect(ruleClosure(rules, 'bug', ['regression'])).toEqual(['high priority', 'triage review', 'needs discussion']);
  });
  it('reacts only to the label just added, not to labels already present', () => {
    expect(ruleClosure(rules, 'unrelated', ['high priority'])).toEqual([]);
  });
  it('converges on cycles', () => {
    expect(ruleClosure(rules, 'loop-a', [])).toEqual(['loop-b']);
  });
  it('skips blocked labels and what they would have triggered', () => {
    expect(ruleClosure(rules, 'high priority', [], (l) => l === 'triage review')).toEqual([]);
  });
  it('adds nothing already present', () => {
    expect(ruleClosure(rules, 'high priority', ['Triage Review', 'needs discussion'])).toEqual([]);
  });
});
