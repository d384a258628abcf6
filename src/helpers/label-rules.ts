import { labelKey } from './handles';
import type { LabelRule } from './subscriptions-parser';

/**
 * Labels to add because `added` was just added, given the labels now present.
 *
 * Rules react only to a label that was just added (the human's label, then each label this closure adds), never to the
 * whole set, so re-delivering the event or labeling something unrelated later does not re-fire old rules.
 * The closure is computed once and returned in one batch: it converges because `present` only grows and every label is
 * enqueued at most once; `blocked` (labels a human removed recently) is never added.
 */
export function ruleClosure(
  rules: readonly LabelRule[],
  added: string,
  present: readonly string[],
  blocked: (label: string) => boolean = () => false,
): string[] {
  const have = new Set(present.map(labelKey));
  have.add(labelKey(added));
  const out: string[] = [];
  const queue = [added];
  const seen = new Set([labelKey(added)]);
  while (queue.length > 0) {
    const trigger = labelKey(queue.shift() as string);
    for (const rule of rules) {
      const keys = rule.labels.map(labelKey);
      if (!keys.includes(trigger)) continue;
      if (rule.kind === 'all' && !keys.every((k) => have.has(k))) continue;
      for (const target of rule.then) {
        const k = labelKey(target);
        if (have.has(k) || seen.has(k) || blocked(target)) continue;
        seen.add(k);
        have.add(k);
        out.push(target);
        queue.push(target);
      }
    }
  }
  return out;
}
