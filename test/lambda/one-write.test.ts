/**
 * GitHub calls per labeling on the universal route, through the production runtime with its shipped Octokit against
 * the GitHub stand-in (issue #15): a first labeling is one read and one write when the repo has the label.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { httpApiEvent } from '../support/lambda-event';
import { standInHandler } from '../support/lambda-runtime';

let gh: GitHubStandIn;

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo('acme/widgets');
});
afterEach(async () => {
  await gh.close();
});

describe('one write per labeling', () => {
  it(
    'labels and comments in 2 calls (read, one mutation); a redelivery is the read alone',
    { timeout: 20_000 },
    async () => {
      gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
      const handler = standInHandler(gh);
      gh.createIssue('acme/widgets', {
        title: 'Crash on start',
        body: 'trace',
        user: 'alice',
        number: 1,
        webhook: false,
      });
      const delivery = gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1));
      expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
      expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);
      expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
      expect(gh.counters.snapshot().byIssue['acme/widgets#1']).toEqual({
        total: 2,
        byEndpoint: { 'POST graphql:LabelBotIssueState': 1, 'POST graphql:LabelBotApplyDecision': 1 },
      });
      // The bot's label event and comment are attributed to the bot, as with the REST calls.
      expect(
        gh
          .issue('acme/widgets', 1)
          .events.filter((e) => e.event === 'labeled')
          .map((e) => e.actor),
      ).toEqual([gh.botLogin]);

      expect((await handler(httpApiEvent(delivery))).statusCode).toBe(200);
      expect(gh.counters.forIssue('acme/widgets', 1)).toBe(3);
      expect(gh.botComments('acme/widgets', 1)).toHaveLength(1);
    },
  );

  it('still creates a label the repo does not have (REST), then comments: 3 calls', { timeout: 20_000 }, async () => {
    const handler = standInHandler(gh);
    gh.createIssue('acme/widgets', {
      title: 'Crash on start',
      body: 'trace',
      user: 'alice',
      number: 1,
      webhook: false,
    });
    expect(
      (await handler(httpApiEvent(gh.buildWebhook('issues', gh.issuesPayload('acme/widgets', 1))))).statusCode,
    ).toBe(200);
    expect(gh.issue('acme/widgets', 1).labels).toEqual(['bug']);
    expect(Object.keys(gh.counters.snapshot().byIssue['acme/widgets#1']!.byEndpoint)).toEqual([
      'POST graphql:LabelBotIssueState',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
      'POST graphql:LabelBotAddComment',
    ]);
  });
});
