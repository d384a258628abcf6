import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGlobalConfig } from '../../src/config/global-config';
import { rolloutFor } from '../../src/rollout/rollout-for';
import { readJsonl } from '../../src/ml/dataset';
import { configIssueBody } from '../../scripts/dev-local';

/** `npm run demo` is too slow for every test run; these guard the inputs it depends on against format drift. */
const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('demo inputs', () => {
  it('the training fixture is valid label-bot training data with enough examples per label', () => {
    const rows = readJsonl(join(FIXTURES, 'demo-train.jsonl'));
    const perLabel = new Map<string, number>();
    for (const r of rows) for (const l of r.labels) perLabel.set(l, (perLabel.get(l) ?? 0) + 1);
    expect([...perLabel.keys()].sort()).toEqual(['kind/bug', 'kind/feature', 'kind/question']);
    // The trainer drops labels with fewer than 5 examples by default.
    for (const n of perLabel.values()) expect(n).toBeGreaterThanOrEqual(5);
  });

  it('the issues to file have a title, a body and an author, and there are enough for both batches', () => {
    const issues = readFileSync(join(FIXTURES, 'demo-issues.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { title?: unknown; body?: unknown; user?: unknown });
    expect(issues.length).toBeGreaterThanOrEqual(22);
    for (const i of issues) {
      expect(typeof i.title).toBe('string');
      expect(typeof i.body).toBe('string');
      expect(i.user).toMatch(/^[a-z]+$/);
    }
  });

  it('the config issue the demo writes parses, with the ratios it prints', () => {
    const parsed = parseGlobalConfig(
      configIssueBody('salt: demo-salt\nrollout:\n  demo/widgets: 1.0\n  demo/gadgets: 0.3\n'),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(rolloutFor(parsed.value, 'demo/widgets')?.ratio).toBe(1);
    expect(rolloutFor(parsed.value, 'demo/gadgets')?.ratio).toBe(0.3);
  });
});
