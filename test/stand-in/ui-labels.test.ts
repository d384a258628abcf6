/** The stand-in's /_ui page draws labels as github.com does: their colour, contrasting text, the same in every repo. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubStandIn } from '../support/github-stand-in';
import { labelHtml } from '../support/github-stand-in/ui';
import { withStandIn } from './support';

describe('stand-in page label colours', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => gh.close());

  it('white text on a dark label, dark text on a light one, a border only on near-white', () => {
    expect(labelHtml('bug', 'd73a4a')).toBe(
      '<span class="label" style="background:#d73a4a;color:#ffffff;border-color:#d73a4a">bug</span>',
    );
    expect(labelHtml('enhancement', 'A2EEEF')).toContain('background:#a2eeef;color:#1f2328;border-color:#a2eeef');
    expect(labelHtml('wontfix', 'ffffff')).toContain('background:#ffffff;color:#1f2328;border-color:#d1d9e0');
    expect(labelHtml('<b>', 'not-a-colour')).toBe(
      '<span class="label" style="background:#ededed;color:#1f2328;border-color:#ededed">&#60;b&#62;</span>',
    );
  });

  it('renders each issue label with its repo colour, and a label the same in every repo', async () => {
    gh.createRepo('demo/one');
    gh.createRepo('demo/two');
    gh.store.ensureLabel(gh.repo('demo/one'), 'priority', '0e8a16');
    gh.createIssue('demo/one', { title: 'a', labels: ['feature', 'bug', 'priority'] });
    gh.createIssue('demo/two', { title: 'b', labels: ['bug', 'feature'] });
    const html = await (await fetch(`${gh.url}/_ui`)).text();
    const spans = (name: string) => html.match(new RegExp(`<span class="label" style="[^"]*">${name}</span>`, 'g'));
    expect(spans('priority')).toEqual([labelHtml('priority', '0e8a16')]);
    expect(spans('bug')).toEqual([labelHtml('bug', 'd73a4a'), labelHtml('bug', 'd73a4a')]);
    const feature = spans('feature')!;
    expect(feature).toHaveLength(2);
    expect(feature[0]).toBe(feature[1]);
  });
});
