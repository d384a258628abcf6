import { GraphqlResponseError } from '@octokit/graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ISSUE_STATE_QUERY, REPO_CONFIG_EXPRESSION, type IssueStateResponse } from '../../src/github/issue-state-query';
import type { GitHubStandIn } from '../support/github-stand-in';
import { installationOctokit, withStandIn } from './support';

describe('GitHub stand-in GraphQL: LabelBotIssueState', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => gh.reset());

  const vars = (owner: string, repo: string, number: number) => ({ owner, repo, number, configPath: REPO_CONFIG_EXPRESSION });

  it('returns the issue, its labels, label timeline with actor types, comments and both configs', async () => {
    gh.createRepo('acme/widgets', { private: true, files: { '.github/issue_label_bot.yaml': 'comment: false\n' } });
    gh.createRepo('acme/.github', { files: { '.github/issue_label_bot.yaml': 'min-confidence: 0.5\n' } });
    gh.createIssue('acme/widgets', { title: 'Crash', body: 'boom', user: 'alice' });
    const octokit = await installationOctokit(gh, 'acme');
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
    gh.removeLabel('acme/widgets', 1, 'bug', { user: 'maintainer' });
    gh.addLabels('acme/widgets', 1, ['question'], { user: 'maintainer' });
    await octokit.rest.issues.createComment({ owner: 'acme', repo: 'widgets', issue_number: 1, body: '<!-- label-bot --> x' });

    const data = await octokit.graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars('acme', 'widgets', 1));
    expect(data.repository?.isPrivate).toBe(true);
    expect(data.repository?.config).toEqual({ text: 'comment: false\n' });
    expect(data.orgConfigRepo).toEqual({ config: { text: 'min-confidence: 0.5\n' } });
    const issue = data.repository!.issue!;
    expect(issue).toMatchObject({ number: 1, title: 'Crash', body: 'boom', state: 'OPEN', locked: false, author: { login: 'alice', __typename: 'User' } });
    expect(issue.labels.nodes).toEqual([{ name: 'question' }]);
    expect(issue.timelineItems.nodes.map((n) => [n.__typename, n.label.name, n.actor?.login, n.actor?.__typename])).toEqual([
      // GraphQL names bots by slug, without REST's "[bot]" suffix.
      ['LabeledEvent', 'bug', 'label-bot', 'Bot'],
      ['UnlabeledEvent', 'bug', 'maintainer', 'User'],
      ['LabeledEvent', 'question', 'maintainer', 'User'],
    ]);
    expect(issue.comments.nodes).toEqual([
      { databaseId: expect.any(Number), body: '<!-- label-bot --> x', author: { login: 'label-bot', __typename: 'Bot' } },
    ]);
    expect(gh.counters.forIssue('acme/widgets', 1, 'POST graphql:LabelBotIssueState')).toBe(1);
  });

  it('reports a missing org .github repo as NOT_FOUND with partial data, like GitHub', async () => {
    gh.createRepo('solo/app', { files: {} });
    gh.createIssue('solo/app', { title: 'Q', user: 'bob' });
    const octokit = await installationOctokit(gh, 'solo');
    const err = await octokit.graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars('solo', 'app', 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphqlResponseError);
    const gqlErr = err as GraphqlResponseError<IssueStateResponse>;
    expect(gqlErr.errors).toEqual([expect.objectContaining({ type: 'NOT_FOUND', path: ['orgConfigRepo'] })]);
    expect(gqlErr.data.repository?.issue?.title).toBe('Q');
    expect(gqlErr.data.repository?.config).toBeNull();
    expect(gqlErr.data.orgConfigRepo).toBeNull();
  });

  it('reports a missing issue as NOT_FOUND on repository.issue', async () => {
    gh.createRepo('acme/widgets');
    gh.createRepo('acme/.github');
    const octokit = await installationOctokit(gh, 'acme');
    const err = (await octokit.graphql(ISSUE_STATE_QUERY, vars('acme', 'widgets', 42)).catch((e: unknown) => e)) as GraphqlResponseError<IssueStateResponse>;
    expect(err.errors?.map((e) => e.path)).toEqual([['repository', 'issue']]);
    expect(err.data.repository).toMatchObject({ isPrivate: false, issue: null });
  });

  it('answers unknown operations with a clear error', async () => {
    gh.createRepo('acme/widgets');
    const octokit = await installationOctokit(gh, 'acme');
    await expect(octokit.graphql('query SomethingElse { viewer { login } }')).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("does not answer GraphQL operation 'SomethingElse'"),
    });
  });

  it('accepts resolvers registered at runtime', async () => {
    gh.createRepo('acme/widgets');
    gh.graphql.set('Viewer', () => ({ data: { viewer: { login: 'label-bot' } } }));
    const octokit = await installationOctokit(gh, 'acme');
    expect(await octokit.graphql('query Viewer { viewer { login } }')).toEqual({ viewer: { login: 'label-bot' } });
    gh.graphql.delete('Viewer');
  });
});
