import { GraphqlResponseError } from '@octokit/graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ISSUE_STATE_QUERY, REPO_CONFIG_EXPRESSION, type IssueStateResponse } from '../../src/github/issue-state-query';
import { ADD_COMMENT_MUTATION, type AddCommentResponse } from '../../src/github/add-comment-mutation';
import { ISSUE_EDITOR_QUERY, type IssueEditorResponse } from '../../src/github/issue-editor-query';
import { APPLY_DECISION_MUTATION, type ApplyDecisionResponse } from '../../src/github/apply-decision-mutation';
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

  const vars = (owner: string, repo: string, number: number) => ({
    owner,
    repo,
    number,
    configPath: REPO_CONFIG_EXPRESSION,
  });

  it('returns the issue, its labels, label timeline with actor types, comments and both configs', async () => {
    gh.createRepo('acme/widgets', { private: true, files: { '.github/issue_label_bot.yaml': 'comment: false\n' } });
    gh.createRepo('acme/.github', { files: { '.github/issue_label_bot.yaml': 'min-confidence: 0.5\n' } });
    gh.createIssue('acme/widgets', { title: 'Crash', body: 'boom', user: 'alice' });
    const octokit = await installationOctokit(gh, 'acme');
    await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'widgets', issue_number: 1, labels: ['bug'] });
    gh.removeLabel('acme/widgets', 1, 'bug', { user: 'maintainer' });
    gh.addLabels('acme/widgets', 1, ['question'], { user: 'maintainer' });
    await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'widgets',
      issue_number: 1,
      body: '<!-- label-bot --> x',
    });

    const data = await octokit.graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars('acme', 'widgets', 1));
    expect(data.repository?.isPrivate).toBe(true);
    expect(data.repository?.config).toEqual({ text: 'comment: false\n' });
    expect(data.orgConfigRepo).toEqual({ config: { text: 'min-confidence: 0.5\n' } });
    const issue = data.repository!.issue!;
    expect(issue).toMatchObject({
      number: 1,
      title: 'Crash',
      body: 'boom',
      state: 'OPEN',
      locked: false,
      author: { login: 'alice', __typename: 'User' },
    });
    expect(issue.labels.nodes).toEqual([{ name: 'question' }]);
    expect(
      issue.timelineItems.nodes.map((n) => [n.__typename, n.label.name, n.actor?.login, n.actor?.__typename]),
    ).toEqual([
      // GraphQL names bots by slug, without REST's "[bot]" suffix.
      ['LabeledEvent', 'bug', 'label-bot', 'Bot'],
      ['UnlabeledEvent', 'bug', 'maintainer', 'User'],
      ['LabeledEvent', 'question', 'maintainer', 'User'],
    ]);
    expect(issue.comments.nodes).toEqual([
      {
        fullDatabaseId: expect.stringMatching(/^\d+$/),
        body: '<!-- label-bot --> x',
        author: { login: 'label-bot', __typename: 'Bot' },
      },
    ]);
    expect(gh.counters.forIssue('acme/widgets', 1, 'POST graphql:LabelBotIssueState')).toBe(1);
  });

  it('reports a missing org .github repo as NOT_FOUND with partial data, like GitHub', async () => {
    gh.createRepo('solo/app', { files: {} });
    gh.createIssue('solo/app', { title: 'Q', user: 'bob' });
    const octokit = await installationOctokit(gh, 'solo');
    const err = await octokit
      .graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars('solo', 'app', 1))
      .catch((e: unknown) => e);
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
    const err = (await octokit
      .graphql(ISSUE_STATE_QUERY, vars('acme', 'widgets', 42))
      .catch((e: unknown) => e)) as GraphqlResponseError<IssueStateResponse>;
    expect(err.errors?.map((e) => e.path)).toEqual([['repository', 'issue']]);
    expect(err.data.repository).toMatchObject({ isPrivate: false, issue: null });
  });

  it('answers a field it does not model with a GraphQL error naming it', async () => {
    gh.createRepo('acme/widgets');
    const octokit = await installationOctokit(gh, 'acme');
    const err = (await octokit
      .graphql('query SomethingElse { viewer { login } }')
      .catch((e: unknown) => e)) as GraphqlResponseError<unknown>;
    expect(err).toBeInstanceOf(GraphqlResponseError);
    expect(err.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'undefinedField', typeName: 'Query', fieldName: 'viewer' }),
      }),
    ]);
    expect(err.message).toContain("Field 'viewer' doesn't exist on type 'Query'");
    expect(gh.counters.count('POST graphql:viewer')).toBe(1);
  });

  it('answers a syntax error with its position, as GitHub does', async () => {
    gh.createRepo('acme/widgets');
    const octokit = await installationOctokit(gh, 'acme');
    const err = (await octokit
      .graphql('query { repository(owner: "acme" { id } }')
      .catch((e: unknown) => e)) as GraphqlResponseError<unknown>;
    expect(err.errors).toEqual([
      expect.objectContaining({
        message: 'Parse error: Expected a name, found "{"',
        locations: [{ line: 1, column: 34 }],
      }),
    ]);
  });

  it('accepts resolvers registered at runtime, by shape name', async () => {
    gh.createRepo('acme/widgets');
    gh.graphql.set('viewer', () => ({ data: { viewer: { login: 'label-bot' } } }));
    const octokit = await installationOctokit(gh, 'acme');
    expect(await octokit.graphql('query Viewer { viewer { login } }')).toEqual({ viewer: { login: 'label-bot' } });
    gh.graphql.delete('viewer');
  });
});

describe('GitHub stand-in GraphQL: answers by shape, not by operation name', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => gh.reset());

  /** The production document with another operation name (or none), as a rename in src/github/ would send it. */
  const renamed = (doc: string, to: string) => doc.replace(/\b(query|mutation)\s+LabelBot\w+/, to ? `$1 ${to}` : '$1');

  it('answers the issue read, the editor read and the comment mutation under other operation names, counted by shape', async () => {
    gh.createRepo('acme/widgets', { files: { '.github/issue_label_bot.yaml': 'comment: false\n' } });
    gh.createRepo('acme/.github');
    gh.createIssue('acme/widgets', { title: 'Crash', body: 'boom', user: 'alice', labels: ['bug'] });
    gh.editIssue('acme/widgets', 1, { body: 'boom!' }, { user: 'maintainer' });
    const octokit = await installationOctokit(gh, 'acme');
    const vars = { owner: 'acme', repo: 'widgets', number: 1, configPath: REPO_CONFIG_EXPRESSION };

    const original = await octokit.graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars);
    for (const name of ['ReadIssueForLabeling', '']) {
      expect(await octokit.graphql<IssueStateResponse>(renamed(ISSUE_STATE_QUERY, name), vars)).toEqual(original);
    }
    expect(original.repository?.issue).toMatchObject({
      title: 'Crash',
      body: 'boom!',
      labels: { nodes: [{ name: 'bug' }] },
    });
    expect(original.repository?.config).toEqual({ text: 'comment: false\n' });

    const editor = await octokit.graphql<IssueEditorResponse>(renamed(ISSUE_EDITOR_QUERY, 'WhoEditedIt'), vars);
    expect(editor.repository?.issue).toEqual({
      editor: { login: 'maintainer', __typename: 'User' },
      author: { login: 'alice', __typename: 'User' },
    });

    const subjectId = original.repository!.issue!.id;
    const added = await octokit.graphql<AddCommentResponse>(renamed(ADD_COMMENT_MUTATION, 'PostIt'), {
      subjectId,
      body: 'hello',
    });
    expect(added.addComment?.subject?.comments?.nodes.map((c) => c.body)).toEqual(['hello']);
    expect(gh.issue('acme/widgets', 1).comments.map((c) => [c.body, c.author])).toEqual([['hello', 'label-bot[bot]']]);

    expect(gh.counters.snapshot().byIssue['acme/widgets#1']?.byEndpoint).toEqual({
      'POST graphql:LabelBotIssueState': 3,
      'POST graphql:LabelBotIssueEditor': 1,
      'POST graphql:LabelBotAddComment': 1,
    });
    const writes = gh.counters
      .requests()
      .filter((r) => r.write && r.endpoint.startsWith('POST graphql:'))
      .map((r) => r.endpoint);
    expect(writes).toEqual(['POST graphql:LabelBotAddComment']);
  });

  it('follows aliases, literal arguments, named fragments and first/last, not a fixed answer', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'One', user: 'alice' });
    for (const body of ['a', 'b', 'c']) gh.comment('acme/widgets', 1, body, { user: 'bob' });
    const octokit = await installationOctokit(gh, 'acme');
    const data = await octokit.graphql(
      `query($n: Int = 1) {
        repo: repository(owner: "acme", name: "widgets") {
          it: issue(number: $n) { ...Bits oldest: comments(first: 1) { nodes { body } } newest: comments(last: 2) { nodes { body } totalCount } }
          missing: object(expression: "HEAD:nope.yaml") { ... on Blob { text } }
        }
      }
      fragment Bits on Issue { __typename heading: title }`,
    );
    expect(data).toEqual({
      repo: {
        it: {
          __typename: 'Issue',
          heading: 'One',
          oldest: { nodes: [{ body: 'a' }] },
          newest: { nodes: [{ body: 'b' }, { body: 'c' }], totalCount: 3 },
        },
        missing: null,
      },
    });
  });

  it('applies labels through addLabelsToLabelable with the label ids GitHub hands out', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'One', user: 'alice', labels: ['bug'] });
    gh.removeLabel('acme/widgets', 1, 'bug', { user: 'alice' });
    const octokit = await installationOctokit(gh, 'acme');
    const read = await octokit.graphql<{ repository: { label: { id: string }; issue: { id: string } } }>(
      'query { repository(owner: "acme", name: "widgets") { label(name: "BUG") { id } issue(number: 1) { id } } }',
    );
    const out = await octokit.graphql<{
      addLabelsToLabelable: { labelable: { labels: { nodes: { name: string }[] } } };
    }>(
      'mutation($id: ID!, $labels: [ID!]!) { addLabelsToLabelable(input: { labelableId: $id, labelIds: $labels }) { labelable { ... on Issue { labels(first: 10) { nodes { name } } } } } }',
      { id: read.repository.issue.id, labels: [read.repository.label.id] },
    );
    expect(out.addLabelsToLabelable.labelable.labels.nodes).toEqual([{ name: 'bug' }]);
    expect(gh.issue('acme/widgets', 1).events.at(-1)).toMatchObject({
      event: 'labeled',
      label: 'bug',
      actor: 'label-bot[bot]',
    });
    expect(gh.counters.forIssue('acme/widgets', 1, 'POST graphql:addLabelsToLabelable')).toBe(1);
  });

  it('LabelBotApplyDecision: labels then comment in one mutation, the comment left out by @include(if: false)', async () => {
    gh.createRepo('acme/widgets');
    gh.store.ensureLabel(gh.repo('acme/widgets'), 'bug');
    gh.createIssue('acme/widgets', { title: 'One', user: 'alice', webhook: false });
    gh.createIssue('acme/widgets', { title: 'Two', user: 'alice', webhook: false });
    const octokit = await installationOctokit(gh, 'acme');
    const read = await octokit.graphql<{
      repository: { repoLabels: { nodes: { id: string; name: string }[] }; one: { id: string }; two: { id: string } };
    }>(
      'query { repository(owner: "acme", name: "widgets") { repoLabels: labels(first: 100) { nodes { id name } } one: issue(number: 1) { id } two: issue(number: 2) { id } } }',
    );
    const labelIds = read.repository.repoLabels.nodes.filter((l) => l.name === 'bug').map((l) => l.id);
    const withComment = await octokit.graphql<ApplyDecisionResponse>(APPLY_DECISION_MUTATION, {
      issueId: read.repository.one.id,
      labelIds,
      body: 'hello',
      comment: true,
    });
    expect(withComment.addLabelsToLabelable).toEqual({ clientMutationId: null });
    const nodes = withComment.addComment!.subject!.comments!.nodes;
    expect(nodes.map((c) => [c.body, c.author?.login])).toEqual([['hello', 'label-bot']]);
    expect(withComment.addComment!.commentEdge!.node!.fullDatabaseId).toBe(nodes[0]!.fullDatabaseId);
    expect(gh.issue('acme/widgets', 1)).toMatchObject({ labels: ['bug'] });

    const silent = await octokit.graphql<ApplyDecisionResponse>(APPLY_DECISION_MUTATION, {
      issueId: read.repository.two.id,
      labelIds,
      body: 'unused',
      comment: false,
    });
    expect(silent).toEqual({ addLabelsToLabelable: { clientMutationId: null } });
    expect(gh.issue('acme/widgets', 2)).toMatchObject({ labels: ['bug'], comments: [] });
    // One shape name whether or not the comment is included, counted against its issue.
    expect(gh.counters.forIssue('acme/widgets', 1, 'POST graphql:LabelBotApplyDecision')).toBe(1);
    expect(gh.counters.forIssue('acme/widgets', 2, 'POST graphql:LabelBotApplyDecision')).toBe(1);
  });
});

describe('GitHub stand-in GraphQL: LabelBotAddComment', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await withStandIn({ autoWebhooks: { control: false, api: true } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => gh.reset());

  const vars = (owner: string, repo: string, number: number) => ({
    owner,
    repo,
    number,
    configPath: REPO_CONFIG_EXPRESSION,
  });
  /** The issue's node id from the labeler's own read (no org `.github` repo here: partial data, as on GitHub). */
  const issueNodeId = async (
    octokit: Awaited<ReturnType<typeof installationOctokit>>,
    number: number,
    owner = 'acme',
    repo = 'widgets',
  ) =>
    (
      await octokit
        .graphql<IssueStateResponse>(ISSUE_STATE_QUERY, vars(owner, repo, number))
        .catch((e: GraphqlResponseError<IssueStateResponse>) => e.data)
    ).repository!.issue!.id;

  it('creates the comment as the bot and answers with it and the comments after the write; counted as a write on the issue', async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'Crash', user: 'alice', webhook: false });
    const human = gh.comment('acme/widgets', 1, 'me too', { user: 'bob', webhook: false });
    const octokit = await installationOctokit(gh, 'acme');
    const subjectId = await issueNodeId(octokit, 1);

    const data = await octokit.graphql<AddCommentResponse>(ADD_COMMENT_MUTATION, {
      subjectId,
      body: '<!-- label-bot --> hi',
    });
    const created = data.addComment!.commentEdge!.node!.fullDatabaseId;
    expect(created).toMatch(/^\d+$/);
    expect(data.addComment!.subject!.comments!.nodes).toEqual([
      { fullDatabaseId: String(human), body: 'me too', author: { login: 'bob', __typename: 'User' } },
      { fullDatabaseId: created, body: '<!-- label-bot --> hi', author: { login: 'label-bot', __typename: 'Bot' } },
    ]);
    expect(gh.botComments('acme/widgets', 1)).toEqual([
      expect.objectContaining({ id: Number(created), body: '<!-- label-bot --> hi' }),
    ]);
    // Made through the API, so GitHub sends the webhook as for a REST create.
    await gh.idle();
    expect(gh.webhooks.deliveries.filter((d) => d.event === 'issue_comment').map((d) => d.action)).toEqual(['created']);
    expect(gh.counters.forIssue('acme/widgets', 1, 'POST graphql:LabelBotAddComment')).toBe(1);
    const byOp = Object.fromEntries(
      gh.counters
        .requests()
        .filter((r) => r.endpoint.startsWith('POST graphql:'))
        .map((r) => [r.endpoint, r.write]),
    );
    expect(byOp).toEqual({ 'POST graphql:LabelBotIssueState': false, 'POST graphql:LabelBotAddComment': true });
  });

  it("a fault aimed at one issue hits only that issue's mutation, before anything is written", async () => {
    gh.createRepo('acme/widgets');
    gh.createIssue('acme/widgets', { title: 'One', user: 'alice', webhook: false });
    gh.createIssue('acme/widgets', { title: 'Two', user: 'alice', webhook: false });
    const octokit = await installationOctokit(gh, 'acme');
    const [one, two] = [await issueNodeId(octokit, 1), await issueNodeId(octokit, 2)];
    gh.faults.add({
      kind: 'status',
      status: 502,
      route: 'graphql:LabelBotAddComment',
      issue: 'ACME/widgets#2',
      times: 1,
    });
    await octokit.graphql(ADD_COMMENT_MUTATION, { subjectId: one, body: 'a' });
    await expect(octokit.graphql(ADD_COMMENT_MUTATION, { subjectId: two, body: 'b' })).rejects.toMatchObject({
      status: 502,
    });
    expect(gh.issue('acme/widgets', 2).comments).toEqual([]);
    expect(gh.counters.forIssue('acme/widgets', 2, 'POST graphql:LabelBotAddComment')).toBe(1);
    await octokit.graphql(ADD_COMMENT_MUTATION, { subjectId: two, body: 'b' });
    expect(gh.issue('acme/widgets', 2).comments.map((c) => c.body)).toEqual(['b']);
  });

  it('an unknown or invisible subject is NOT_FOUND and writes nothing', async () => {
    gh.createRepo('acme/widgets');
    gh.createRepo('other/secret', { private: true });
    gh.createIssue('other/secret', { title: 'Hidden', user: 'eve', webhook: false });
    const octokit = await installationOctokit(gh, 'acme');
    const hidden = await issueNodeId(await installationOctokit(gh, 'other'), 1, 'other', 'secret');
    for (const subjectId of ['nonsense', hidden]) {
      const err = (await octokit
        .graphql(ADD_COMMENT_MUTATION, { subjectId, body: 'x' })
        .catch((e: unknown) => e)) as GraphqlResponseError<AddCommentResponse>;
      expect(err).toBeInstanceOf(GraphqlResponseError);
      expect(err.errors).toEqual([expect.objectContaining({ type: 'NOT_FOUND', path: ['addComment'] })]);
      expect(err.data.addComment).toBeNull();
    }
    expect(gh.issue('other/secret', 1).comments).toEqual([]);
  });
});
