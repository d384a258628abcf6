import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_STATUS_MARKER, createGlobalConfigStore } from '../../src/config/global-config';
import { TRACKING_STATUS_MARKER } from '../../src/config/helpers-config';
import { MAINTAINER, REPO, startHelpersStack, TRACKING, type HelpersStack } from './stand-in-helpers';

const TRACKING_BODY = [
  'Subscriptions',
  '',
  '* bug @alice',
  '* docs @dora',
  '',
  '```yaml',
  'label-rules:',
  '  - all: [bug, regression]',
  '    then: [high priority]',
  '```',
].join('\n');
const CONFIG_BODY = [
  'Operator config',
  '',
  '```yaml',
  'salt: s',
  'defaults:',
  '  label-alias: { bug: bug }',
  'repos:',
  `  ${REPO}:`,
  '    cc: { bug: "@ops" }',
  '```',
].join('\n');

let stack: HelpersStack;
afterEach(async () => {
  await stack?.close();
});

async function setup() {
  const configStore = createGlobalConfigStore({ ref: { owner: 'acme', repo: 'ops', number: 1 } });
  stack = await startHelpersStack(TRACKING_BODY, {
    configIssue: { store: configStore, octokit: () => stack.probot.auth(stack.gh.installationId('acme')) },
  });
  const { gh } = stack;
  gh.setFile(
    REPO,
    '.github/issue_label_bot.yaml',
    `tracking-issue: ${TRACKING}\nlabel-alias:\n  bug: bug\npredicted-labels: [bug, enhancement]\n`,
  );
  gh.createRepo('acme/ops');
  gh.createIssue('acme/ops', { title: 'config', body: CONFIG_BODY, user: MAINTAINER, number: 1, webhook: false });
  return gh;
}

/** GitHub's `label.edited` for a rename in REPO. */
function renamed(from: string, to: string): Record<string, unknown> {
  const { repository, installation, organization } = stack.gh.issuesPayload(REPO, TRACKING) as Record<string, unknown>;
  return {
    action: 'edited',
    label: { id: 1, name: to, color: 'ededed', default: false, description: null },
    changes: { name: { from } },
    repository,
    installation,
    organization,
    sender: { login: MAINTAINER, type: 'User', id: 5 },
  };
}

describe('renamed labels', () => {
  it('the tracking issue and the config issue status comments name every setting that still uses the old label', async () => {
    const gh = await setup();
    const d = await gh.sendWebhook('label', renamed('bug', 'type: bug'));
    expect(d.error).toBeUndefined();
    const status = gh.botComments(REPO, TRACKING).filter((c) => c.body.includes(TRACKING_STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain('label `bug` was renamed to `type: bug`');
    expect(status[0]!.body).toContain('this issue’s CC subscriptions, label rule 1 (`all`)');
    expect(status[0]!.body).toContain('`.github/issue_label_bot.yaml`: `label-alias.bug`, `predicted-labels`');
    const config = gh.botComments('acme/ops', 1).filter((c) => c.body.includes(CONFIG_STATUS_MARKER));
    expect(config).toHaveLength(1);
    expect(config[0]!.body).toContain(`\`repos.${REPO}\`: CC subscriptions`);
    expect(config[0]!.body).toContain('`defaults`: `label-alias.bug`');

    // Redelivered: same text, nothing written.
    gh.counters.reset();
    await gh.redeliver(d.id);
    expect(gh.counters.requests().filter((r) => r.write)).toEqual([]);
    expect(gh.botComments(REPO, TRACKING)).toHaveLength(1);
  });

  it('says nothing for a label no setting names, or a change of case', async () => {
    const gh = await setup();
    await gh.sendWebhook('label', renamed('wontfix', 'won’t fix'));
    await gh.sendWebhook('label', renamed('docs', 'Docs'));
    expect(gh.botComments(REPO, TRACKING)).toEqual([]);
    expect(gh.botComments('acme/ops', 1)).toEqual([]);
  });
});
