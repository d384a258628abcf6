import { describe, expect, it } from 'vitest';
import { checkHandle } from '../../src/helpers/handles';
import { repoHelpersSchema } from '../../src/helpers/schema';
import {
  normalizeHelpers,
  parseSubscriptionBullets,
  parseTrackingIssueBody,
} from '../../src/helpers/subscriptions-parser';

const asObject = (m: Map<string, string[]>) => Object.fromEntries(m);

describe('parseSubscriptionBullets', () => {
  const cases: Array<{ name: string; text: string; cc: Record<string, string[]>; warnings?: number }> = [
    {
      name: 'PTP star bullet',
      text: '* high priority @alice @org/triage',
      cc: { 'high priority': ['@alice', '@org/triage'] },
    },
    { name: 'dash bullet', text: '- bug @bob', cc: { bug: ['@bob'] } },
    { name: 'plus bullet', text: '+ bug @bob', cc: { bug: ['@bob'] } },
    { name: '"label - @user" separator', text: '* module: nn - @carol', cc: { 'module: nn': ['@carol'] } },
    { name: '"label: @user" separator', text: '* oncall: jit: @dave', cc: { 'oncall: jit': ['@dave'] } },
    { name: 'label with colon kept', text: '* module: nn @carol', cc: { 'module: nn': ['@carol'] } },
    { name: 'backticked label', text: '* `needs: repro` @erin', cc: { 'needs: repro': ['@erin'] } },
    {
      name: 'CRLF and extra spaces',
      text: '*   bug    @a   @b  \r\n*  feature\t@c\r\n',
      cc: { bug: ['@a', '@b'], feature: ['@c'] },
    },
    { name: 'commas between handles', text: '* bug @a, @b,@c', cc: { bug: ['@a', '@b', '@c'] } },
    { name: 'label twice merges people', text: '* bug @a\n* Bug @b @A', cc: { bug: ['@a', '@b'] } },
    { name: 'indented bullet', text: '  * bug @a', cc: { bug: ['@a'] } },
    {
      name: 'prose bullets without handles are ignored silently',
      text: '* add yourself below\n* bug @a',
      cc: { bug: ['@a'] },
    },
    { name: 'bullets inside code fences are not read', text: '```\n* bug @evil\n```\n* bug @a', cc: { bug: ['@a'] } },
    { name: 'non-bullet lines are prose', text: 'bug @a\n* bug @b', cc: { bug: ['@b'] } },
    {
      name: 'invalid handles reported, rest kept',
      text: '* bug @-bad @good @x--y @toolongtoolongtoolongtoolongtoolongtoolong',
      cc: { bug: ['@good'] },
      warnings: 3,
    },
    { name: 'html injection rejected', text: '* bug @a<img/src=x> @b', cc: { bug: ['@b'] }, warnings: 1 },
    { name: 'markdown link injection rejected', text: '* bug @a](https://evil) @b', cc: { bug: ['@b'] }, warnings: 1 },
    { name: 'words between handles are reported', text: '* bug @a and @b', cc: { bug: ['@a', '@b'] }, warnings: 1 },
    { name: 'handle with no label', text: '* @a', cc: {}, warnings: 1 },
    { name: 'team handle with underscore', text: '* ci @pytorch/dev_infra', cc: { ci: ['@pytorch/dev_infra'] } },
    { name: 'empty', text: '', cc: {} },
  ];
  it.each(cases)('$name', ({ text, cc, warnings }) => {
    const r = parseSubscriptionBullets(text);
    expect(asObject(r.cc)).toEqual(cc);
    expect(r.warnings).toHaveLength(warnings ?? 0);
  });
});

describe('checkHandle', () => {
  it.each([
    ['@a', true],
    ['@a-b-c', true],
    ['@' + 'a'.repeat(39), true],
    ['@' + 'a'.repeat(40), false],
    ['@a--b', false],
    ['@-a', false],
    ['@a-', false],
    ['@org/team-x', true],
    ['@org/', false],
    ['@/team', false],
    ['@org/te am', false],
    ['@org/a/b', false],
    ['alice', false],
    ['@al!ce', false],
    ['@app[bot]', false],
  ])('%s → %s', (h, ok) => {
    expect(checkHandle(h).ok).toBe(ok);
  });
});

describe('schema and normalizeHelpers', () => {
  it('rejects unknown keys and malformed rules', () => {
    const r = repoHelpersSchema.safeParse({
      'label-rule': [],
      'label-rules': [{ any: ['a'], all: ['b'], then: ['c'] }],
    });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('label-rules.0');
    expect(r.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('normalises map and string forms of cc, rules and ciflow, warning about bad handles and ref-unsafe labels', () => {
    const raw = repoHelpersSchema.parse({
      cc: { bug: '@a @b', 'module: nn': ['@c', 'not-a-handle'] },
      'label-rules': [
        { any: ['high priority'], then: ['triage review'] },
        { all: ['a', 'b'], then: ['c'] },
      ],
      ciflow: { labels: ['ciflow/trunk', 'has space', 'periodic'] },
      'respect-removal-minutes': 30,
    });
    const { value, warnings } = normalizeHelpers(raw);
    expect(asObject(value.cc)).toEqual({ bug: ['@a', '@b'], 'module: nn': ['@c'] });
    expect(value.rules).toEqual([
      { kind: 'any', labels: ['high priority'], then: ['triage review'] },
      { kind: 'all', labels: ['a', 'b'], then: ['c'] },
    ]);
    expect(value.ciflow).toEqual({
      labels: ['ciflow/trunk', 'periodic'],
      mode: 'tag',
      eventType: 'ciflow',
      forks: 'review',
    });
    expect(value.respectRemovalMinutes).toBe(30);
    expect(warnings).toHaveLength(2);
  });

  it('accepts PTP bullets as the cc string', () => {
    const { value } = normalizeHelpers(repoHelpersSchema.parse({ cc: '* bug @a\n* bug @b\n' }));
    expect(asObject(value.cc)).toEqual({ bug: ['@a', '@b'] });
  });
});

describe('parseTrackingIssueBody', () => {
  it('combines bullets and a yaml block', () => {
    const body = [
      'Subscribe below.',
      '* bug @a',
      '',
      '```yaml',
      'label-rules:',
      '  - any: [high priority]',
      '    then: [triage review]',
      'cc:',
      '  bug: "@b"',
      '```',
    ].join('\r\n');
    const r = parseTrackingIssueBody(body);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(asObject(r.value.cc)).toEqual({ bug: ['@a', '@b'] });
    expect(r.value.rules).toHaveLength(1);
  });

  it('reports a broken yaml block as an error', () => {
    const r = parseTrackingIssueBody('* bug @a\n```yaml\nlabel-rules: [\n```\n');
    expect(r.ok).toBe(false);
  });

  it('reports unknown keys in the yaml block as errors', () => {
    const r = parseTrackingIssueBody('```yaml\ncc-list: {}\n```\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/cc-list/);
  });

  it('keeps working with warnings for invalid handles', () => {
    const r = parseTrackingIssueBody('* bug @a @@b\n* feature @c');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(asObject(r.value.cc)).toEqual({ bug: ['@a'], feature: ['@c'] });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/line 1/);
  });
});

describe('config-issue.md helpers section', () => {
  it('its repos: example is valid and warning-free', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const text = readFileSync(new URL('../../config-issue.md', import.meta.url), 'utf8');
    const block = /```yaml\n([\s\S]*?)\n```/.exec(text.slice(text.indexOf('\n---\n')))?.[1] ?? '';
    const repos = (parse(block) as { repos: Record<string, unknown> }).repos;
    expect(Object.keys(repos).length).toBeGreaterThan(0);
    for (const entry of Object.values(repos)) {
      const r = normalizeHelpers(repoHelpersSchema.parse(entry));
      expect(r.warnings).toEqual([]);
      expect(r.value.cc.size).toBeGreaterThan(0);
    }
  });
});
