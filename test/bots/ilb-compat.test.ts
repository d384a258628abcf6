import { readFileSync } from 'node:fs';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { TRACKING_STATUS_MARKER } from '../../src/config/helpers-config';
import { aliasKeyProblems, resolveRepoConfig } from '../../src/github/repo-config';
import { createProbot } from '../../src/github/create-probot';
import { createLogger } from '../../src/log/logger';
import { KeywordClassifier } from '../support/fake-classifier';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { TestOctokit, testPrivateKey } from '../stand-in/support';
import { MAINTAINER, REPO, startHelpersStack, TRACKING, type HelpersStack } from './stand-in-helpers';

const ILB_FILE = readFileSync(new URL('../fixtures/ilb/issue_label_bot.yaml', import.meta.url), 'utf8');

describe("Issue-Label-Bot's own .github/issue_label_bot.yaml", () => {
  let gh: GitHubStandIn;
  let probot: Probot;
  beforeEach(async () => {
    gh = await startGitHubStandIn();
    probot = createProbot({
      appId: gh.appId,
      privateKey: testPrivateKey(),
      secret: gh.webhookSecret,
      baseUrl: gh.url,
      requestTimeoutMs: 5000,
      Octokit: TestOctokit,
      log: createLogger('probot-test'),
    });
    await probot.load(
      createApp({
        publisher: null,
        configStore: null,
        loadClassifier: async () => new KeywordClassifier('universal/test'),
      }),
    );
    gh.setWebhookTarget(async (d) => {
      await probot.webhooks.verifyAndReceive({
        id: d.id,
        name: d.event as never,
        payload: d.body,
        signature: d.headers['x-hub-signature-256']!,
      });
      return { status: 200 };
    });
    gh.createRepo(REPO, { files: { '.github/issue_label_bot.yaml': ILB_FILE } });
  });
  afterEach(async () => {
    await gh.close();
  });

  it('feature_request: enhancement gives `enhancement`, the empty value keeps `question`, the other aliases still apply', async () => {
    const feature = gh.createIssue(REPO, {
      title: 'Please add dark mode',
      body: 'please add a toggle',
      user: 'alice',
    }).number;
    const bug = gh.createIssue(REPO, { title: 'Crash on start', body: 'it crashes', user: 'alice' }).number;
    const question = gh.createIssue(REPO, {
      title: 'How do I configure it?',
      body: 'how do i set the port',
      user: 'alice',
    }).number;
    await gh.idle();
    expect(gh.issue(REPO, feature).labels).toEqual(['enhancement']);
    expect(gh.issue(REPO, bug).labels).toEqual(['kind/bug']);
    expect(gh.issue(REPO, question).labels).toEqual(['question']);
  });
});

describe('label-alias parsing', () => {
  it('reads synonyms, lets an explicit model label win, and an empty value drops an inherited alias', () => {
    const cfg = resolveRepoConfig({
      defaults: { 'label-alias': { question: 'kind/question', bug: 'type: bug' } },
      repoText: 'label-alias:\n  feature_request: wish\n  feature: enhancement\n  question: ""\n',
    });
    expect(cfg.warnings).toEqual([]);
    expect(cfg.labelAlias).toEqual({ bug: 'type: bug', feature: 'enhancement' });
  });

  it('reports alias keys the model never predicts', () => {
    expect(aliasKeyProblems({ feature_request: 'x', 'kind/bug': 'y' }, ['bug', 'feature', 'question'])).toEqual([
      'label-alias.kind/bug: the model never predicts "kind/bug" (it predicts "bug", "feature", "question"); this alias has no effect',
    ]);
  });
});

describe('repo-file problems in the tracking issue status comment', () => {
  let stack: HelpersStack;
  afterEach(async () => {
    await stack.close();
  });

  it('an edit of the tracking issue reports the repo file’s unknown keys and alias keys the model never predicts', async () => {
    stack = await startHelpersStack('* bug @alice');
    stack.gh.setFile(
      REPO,
      '.github/issue_label_bot.yaml',
      `tracking-issue: ${TRACKING}\nlabel-alias:\n  kind/bug: bug\n  feature_request: enhancement\ncoment: false\n`,
    );
    stack.gh.editIssue(REPO, TRACKING, { body: '* bug @alice @bob' }, { user: MAINTAINER });
    await stack.gh.idle();
    const status = stack.gh.botComments(REPO, TRACKING).filter((c) => c.body.includes(TRACKING_STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain('`.github/issue_label_bot.yaml`: unknown key "coment" ignored');
    expect(status[0]!.body).toContain(
      '`.github/issue_label_bot.yaml`: label-alias.kind/bug: the model never predicts "kind/bug"',
    );
    expect(status[0]!.body).not.toContain('feature_request');
  });
});
