import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger';
import { forwardedIssueSchema } from '../../src/pubsub/message';
import { PubSubPublisher } from '../../src/pubsub/publisher';
import { decideCohort } from '../../src/rollout/cohort';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { KeywordClassifier } from '../support/fake-classifier';
import {
  configBody,
  createTestProbot as createProbot,
  issuesPayload,
  logSink,
  RecordingPublisher,
  testConfigStore,
} from './app-harness';

const classifier = new KeywordClassifier('universal/fake-1');
const loadClassifier = async () => classifier;

let gh: GitHubStandIn;
const LABELS = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
const TOKENS = 'POST /app/installations/{installation_id}/access_tokens';
const CONFIG = '.github/issue_label_bot.yaml';
/** Deliveries come from the tests (`probot.receive`), so the stand-in sends no webhooks of its own. */
beforeAll(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.reset();
  gh.createRepo('octo/widgets', { installationId: 77 }); // the installation id issuesPayload() names
  gh.createRepo('ops/control');
  gh.setPermission('ops/control', 'operator', 'admin');
  gh.setPermission('ops/control', 'reader', 'read');
});
const createTestProbot = (deps: Parameters<typeof createProbot>[1]) => createProbot(gh, deps);
const addIssue = (repo: string, o: { number: number; title?: string; body?: string; labels?: string[] }) =>
  gh.createIssue(repo, { title: 'Something broke', body: 'It crashes', user: 'alice', ...o });
/** API calls other than minting installation tokens. */
const calls = () => gh.counters.requests().filter((r) => r.endpoint !== TOKENS);
const failLabels = (status: number) =>
  gh.faults.add({ kind: 'status', status, method: 'POST', route: LABELS.slice(5), times: 10 });

const receive = (
  probot: Awaited<ReturnType<typeof createTestProbot>>,
  payload: ReturnType<typeof issuesPayload>,
  id = 'd-1',
) => probot.receive({ id, name: 'issues', payload } as never);

describe('universal labeling through probot.receive', () => {
  it('labels a new issue and keeps ONE comment after 3 deliveries of the same event', async () => {
    addIssue('octo/widgets', { number: 1, title: 'App crash on start' });
    const probot = await createTestProbot({ loadClassifier });
    for (let i = 0; i < 3; i++) await receive(probot, issuesPayload({ number: 1 }), 'same-delivery');
    const issue = gh.issue('octo/widgets', 1);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
    expect(gh.counters.count(LABELS)).toBe(1);
    expect(gh.counters.count('POST graphql:LabelBotAddComment')).toBe(1);
    expect(calls().filter((c) => c.method === 'PATCH' || c.method === 'DELETE')).toHaveLength(0);
  });

  it('keeps ONE comment when the same event arrives 10 times in parallel on two app instances', async () => {
    addIssue('octo/widgets', { number: 30, title: 'crash' });
    const a = await createTestProbot({ loadClassifier });
    const b = await createTestProbot({ loadClassifier });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => receive(i % 2 ? a : b, issuesPayload({ number: 30 }), 'dup')),
    );
    const issue = gh.issue('octo/widgets', 30);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
  });

  it('predicts from the live issue, not the payload (the title may have been edited)', async () => {
    addIssue('octo/widgets', { number: 2, title: 'please add dark mode', body: '' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 2, title: 'crash' }));
    expect(gh.issue('octo/widgets', 2).labels).toEqual(['feature']);
  });

  it('ignores bot senders (its own included) and pull requests', async () => {
    addIssue('octo/widgets', { number: 3, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 3, sender: 'label-bot[bot]', senderType: 'Bot' }));
    await receive(probot, issuesPayload({ number: 3, sender: 'dependabot[bot]', senderType: 'Bot' }));
    await receive(probot, issuesPayload({ number: 3, pullRequest: true }));
    expect(calls()).toHaveLength(0);
  });

  it('applies repo aliases, the allowlist, silent mode and skip-if-labeled', async () => {
    gh.setFile(
      'octo/widgets',
      CONFIG,
      "label-alias:\n  bug: 'kind/bug'\n  feature: 'kind/feature'\npredicted-labels: [kind/bug]\ncomment: false\nskip-if-labeled: true\n",
    );
    addIssue('octo/widgets', { number: 4, title: 'crash', body: 'please add a fix' });
    addIssue('octo/widgets', { number: 5, title: 'crash', labels: ['needs-triage'] });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 4 }));
    await receive(probot, issuesPayload({ number: 5 }));
    expect(gh.issue('octo/widgets', 4).labels).toEqual(['kind/bug']);
    expect(gh.issue('octo/widgets', 4).comments).toHaveLength(0);
    expect(gh.issue('octo/widgets', 5).labels).toEqual(['needs-triage']);
  });

  it('does not re-add a label a human removed when the issue is reopened', async () => {
    addIssue('octo/widgets', { number: 6, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 6 }));
    gh.removeLabel('octo/widgets', 6, 'bug', { user: 'maintainer' });
    await receive(probot, issuesPayload({ number: 6, action: 'reopened' }), 'd-2');
    expect(gh.issue('octo/widgets', 6).labels).toEqual([]);
    expect(gh.counters.count(LABELS)).toBe(1);
  });

  it('never logs titles or bodies of private-repo issues', async () => {
    gh.createRepo('octo/widgets', { private: true });
    addIssue('octo/widgets', { number: 7, title: 'crash SECRET-TITLE', body: 'SECRET-BODY' });
    const sink = logSink();
    const log = createLogger('app-test', sink.stream);
    log.level = 'debug';
    const probot = await createTestProbot({ loadClassifier, log });
    await receive(
      probot,
      issuesPayload({ number: 7, isPrivate: true, title: 'crash SECRET-TITLE', body: 'SECRET-BODY' }),
    );
    expect(gh.issue('octo/widgets', 7).labels).toEqual(['bug']);
    expect(sink.lines.length).toBeGreaterThan(0);
    expect(sink.lines.join('\n')).not.toMatch(/SECRET-(TITLE|BODY)/);
  });

  it("labels a transferred issue once: on the new repo's issues.opened, not on the old repo's issues.transferred", async () => {
    gh.createRepo('acme/gadgets', { installationId: 78 }); // another owner, so another installation
    addIssue('acme/gadgets', { number: 40, title: 'crash' });
    const sink = logSink();
    const log = createLogger('app-test', sink.stream);
    log.level = 'info';
    const probot = await createTestProbot({ loadClassifier, log });
    // The old repo's event: GitHub sends it to the old repo's installation; nothing is labeled from there.
    const old = issuesPayload({ number: 3, action: 'transferred' });
    const transferred = {
      ...old,
      changes: {
        new_repository: {
          ...old.repository,
          id: 556,
          name: 'gadgets',
          full_name: 'acme/gadgets',
          owner: { login: 'acme', id: 2, type: 'Organization' },
        },
        new_issue: { ...old.issue, number: 40 },
      },
    };
    await probot.receive({ id: 't-1', name: 'issues', payload: transferred } as never);
    expect(gh.issue('acme/gadgets', 40).labels).toEqual([]);
    expect(sink.lines.join('\n')).toMatch(/"decision":"ignored","reason":"transferred"/);
    // The new repo's event, through the new repo's installation.
    const opened = issuesPayload({ number: 40, repo: 'acme/gadgets', installationId: 78 });
    await probot.receive({
      id: 't-2',
      name: 'issues',
      payload: { ...opened, changes: { old_issue: old.issue, old_repository: old.repository } },
    } as never);
    expect(gh.issue('acme/gadgets', 40).labels).toEqual(['bug']);
    expect(gh.issue('acme/gadgets', 40).comments).toHaveLength(1);
    expect(sink.lines.join('\n')).toMatch(/"decision":"universal"/);
  });
});

describe('universal route: hand-off to the worker topic when GitHub fails transiently', () => {
  const logged = () => {
    const sink = logSink();
    const log = createLogger('app-test', sink.stream);
    log.level = 'info';
    return { sink, log };
  };

  it('a transient failure that outlasts the retry publishes the issue with model: universal (not a repo model)', async () => {
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    failLabels(502);
    const publisher = new RecordingPublisher();
    const { sink, log } = logged();
    const probot = await createTestProbot({ loadClassifier, publisher, log });
    await receive(probot, issuesPayload({ number: 1 }), 'outage-1');
    expect(gh.issue('octo/widgets', 1).labels).toEqual([]);
    expect(publisher.messages).toHaveLength(1);
    const [message] = publisher.messages;
    expect(forwardedIssueSchema.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      model: 'universal',
      delivery_id: 'outage-1',
      repo: { owner: 'octo', name: 'widgets' },
      issue: { number: 1 },
      cohort: { ratio: 0, mode: 'active' },
    });
    expect(sink.lines.join('\n')).toMatch(/"decision":"handed_off"/);
  });

  it('a repo in a shadow rollout is handed off with model: universal too, with its cohort', async () => {
    addIssue('ops/control', {
      number: 1,
      body: configBody('salt: s\nrollout:\n  octo/widgets: { ratio: 1, mode: shadow }\n'),
    });
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    failLabels(500);
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(publisher.messages.map((m) => [m.cohort.mode, m.model])).toEqual([
      ['shadow', undefined],
      ['active', 'universal'],
    ]);
    expect(publisher.messages[1]!.cohort.ratio).toBe(1);
  });

  it('a permanent failure (404) is not handed off', async () => {
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    failLabels(404);
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(publisher.messages).toEqual([]);
  });

  it('when the hand-off publish fails too (or there is no topic), says loudly which issue is left unlabeled', async () => {
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    failLabels(502);
    const publisher = new RecordingPublisher();
    publisher.fail = new Error('UNAVAILABLE');
    const withTopic = logged();
    await receive(
      await createTestProbot({ loadClassifier, publisher, log: withTopic.log }),
      issuesPayload({ number: 1 }),
    );
    const noTopic = logged();
    await receive(
      await createTestProbot({ loadClassifier, publisher: null, log: noTopic.log }),
      issuesPayload({ number: 1 }),
    );
    for (const { sink } of [withTopic, noTopic]) {
      const line = sink.lines.find((l) => l.includes('ISSUE LEFT UNLABELED'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 50, repo: 'octo/widgets', issue: 1, decision: 'unlabeled' });
      expect(line).toContain('octo/widgets#1');
      expect(line).toContain('label-bot backfill');
    }
    expect(gh.issue('octo/widgets', 1).labels).toEqual([]);
  });
});

describe('rollout through the config issue', () => {
  const salt = 'salt-x';
  /** First issue numbers in and out of a 0.5 cohort, so tests do not depend on luck. */
  const pick = (ratio: number, want: boolean) => {
    for (let n = 1; ; n++) if (decideCohort(salt, 'octo/widgets', n, ratio).inCohort === want) return n;
  };

  it('forwards in-cohort issues (and does nothing else), labels the others', async () => {
    addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 0.5\n`) });
    const inside = pick(0.5, true);
    const outside = pick(0.5, false);
    addIssue('octo/widgets', { number: inside, title: 'crash' });
    addIssue('octo/widgets', { number: outside, title: 'crash' });
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: inside }), 'in-1');
    await receive(probot, issuesPayload({ number: inside }), 'in-1'); // redelivery: same path
    await receive(probot, issuesPayload({ number: outside }), 'out-1');
    expect(publisher.messages).toHaveLength(2);
    const msg = publisher.messages[0]!;
    expect(forwardedIssueSchema.parse(msg)).toEqual(msg);
    expect(msg).toMatchObject({
      v: 1,
      delivery_id: 'in-1',
      installation_id: 77,
      repo: { owner: 'octo', name: 'widgets' },
      issue: { number: inside },
      cohort: { ratio: 0.5, mode: 'active' },
    });
    expect(msg.cohort.bucket).toBe(decideCohort(salt, 'octo/widgets', inside, 0.5).bucket);
    expect(msg).not.toHaveProperty('defaults'); // none in this config issue: left out, as older frontends did
    expect(gh.issue('octo/widgets', inside).labels).toEqual([]);
    expect(gh.issue('octo/widgets', outside).labels).toEqual(['bug']);
    // The config issue is read once (cached within the TTL) through the config repo's installation.
    expect(gh.counters.forIssue('ops/control', 1, 'GET /repos/{owner}/{repo}/issues/{issue_number}')).toBe(1);
    expect(calls().filter((c) => c.path === '/repos/ops/control/installation')).toHaveLength(1);
  });

  it('owner/* applies, an exact repo entry beats it, and shadow mode forwards AND labels', async () => {
    addIssue('ops/control', {
      number: 1,
      body: configBody(`salt: ${salt}\nrollout:\n  octo/*: { ratio: 1, mode: shadow }\n  octo/gadgets: 0\n`),
    });
    gh.createRepo('octo/gadgets');
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    addIssue('octo/gadgets', { number: 1, title: 'crash' });
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    const gadgets = issuesPayload({ repo: 'octo/gadgets', number: 1 });
    await receive(probot, gadgets, 'd-g');
    expect(publisher.messages.map((m) => [m.repo.name, m.cohort.mode])).toEqual([['widgets', 'shadow']]);
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
    expect(gh.issue('octo/gadgets', 1).labels).toEqual(['bug']);
  });

  it('does not label the config issue itself', async () => {
    addIssue('ops/control', { number: 1, title: 'crash config', body: configBody(`salt: ${salt}\n`) });
    const probot = await createTestProbot({ loadClassifier, configStore: testConfigStore() });
    await receive(
      probot,
      issuesPayload({ repo: 'ops/control', number: 1, sender: 'operator', installationId: gh.installationId('ops') }),
    );
    expect(gh.issue('ops/control', 1).labels).toEqual([]);
    expect(calls().filter((c) => c.path === '/graphql')).toHaveLength(0);
  });

  it('labels with the universal model when the config repo is not installed, without retrying on every event', async () => {
    gh.store.deleteRepo('ops', 'control'); // GET /repos/ops/control/installation: 404
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    addIssue('octo/widgets', { number: 2, title: 'crash' });
    const probot = await createTestProbot({
      loadClassifier,
      publisher: new RecordingPublisher(),
      configStore: testConfigStore(),
    });
    await receive(probot, issuesPayload({ number: 1 }), 'n-1');
    await receive(probot, issuesPayload({ number: 2 }), 'n-2');
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
    expect(gh.issue('octo/widgets', 2).labels).toEqual(['bug']);
    expect(
      calls()
        .filter((c) => c.path === '/repos/ops/control/installation')
        .map((c) => c.status),
    ).toEqual([404]);
  });

  it('falls back to universal labels when publishing fails', async () => {
    addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`) });
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    const publisher = new RecordingPublisher();
    publisher.fail = new Error('UNAVAILABLE');
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
  });

  it('uses the operator defaults for repos without their own file', async () => {
    addIssue('ops/control', {
      number: 1,
      body: configBody(`salt: ${salt}\ndefaults:\n  comment: false\n  label-alias: { bug: 'type: bug' }\n`),
    });
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['type: bug']);
    expect(gh.issue('octo/widgets', 1).comments).toHaveLength(0);
  });

  it('forwards the operator defaults with the issue, so the worker applies the same settings', async () => {
    addIssue('ops/control', {
      number: 1,
      body: configBody(
        `salt: ${salt}\nrollout:\n  octo/widgets: 1\ndefaults:\n  min-confidence: 0.9\n  comment: false\n`,
      ),
    });
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    const publisher = new RecordingPublisher();
    await receive(
      await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() }),
      issuesPayload({ number: 1 }),
    );
    expect(publisher.messages[0]!.defaults).toEqual({ 'min-confidence': 0.9, comment: false });
  });

  it('refreshes from issues.edited by a writer, ignores readers, reports invalid edits in one comment', async () => {
    addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 0\n`) });
    addIssue('octo/widgets', { number: 1, title: 'crash' });
    addIssue('octo/widgets', { number: 2, title: 'crash' });
    const publisher = new RecordingPublisher();
    const store = testConfigStore();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: store });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(publisher.messages).toHaveLength(0);

    const edit = (body: string, sender: string) => ({
      ...issuesPayload({
        repo: 'ops/control',
        number: 1,
        action: 'edited',
        sender,
        body,
        installationId: gh.installationId('ops'),
      }),
      changes: { body: { from: 'old' } },
    });
    await probot.receive({
      id: 'e-1',
      name: 'issues',
      payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`), 'reader'),
    } as never);
    expect(store.current()?.rollout['octo/widgets']?.ratio).toBe(0);
    await probot.receive({
      id: 'e-2',
      name: 'issues',
      payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 7\n`), 'operator'),
    } as never);
    expect(store.current()?.rollout['octo/widgets']?.ratio).toBe(0);
    expect(gh.issue('ops/control', 1).comments).toHaveLength(1);
    expect(gh.issue('ops/control', 1).comments[0]!.body).toMatch(/invalid/);
    await probot.receive({
      id: 'e-3',
      name: 'issues',
      payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`), 'operator'),
    } as never);
    expect(store.current()?.rollout['octo/widgets']?.ratio).toBe(1);
    expect(gh.issue('ops/control', 1).comments).toHaveLength(1);
    expect(gh.issue('ops/control', 1).comments[0]!.body).toMatch(/valid\.\*\*/);

    await receive(probot, issuesPayload({ number: 2 }), 'd-2');
    expect(publisher.messages.map((m) => m.issue.number)).toEqual([2]);
  });
});

describe('publishing with the real @google-cloud/pubsub client (in-process gRPC fake)', () => {
  let fake: PubSubFake;
  let admin: PubSub;
  const project = 'label-bot-test';
  beforeAll(async () => {
    fake = await startPubSubFake();
    admin = new PubSub({ apiEndpoint: fake.host, projectId: project });
    await admin.createTopic('issues');
  });
  afterAll(async () => {
    await admin?.close();
    await fake?.stop();
  });

  it('publishes a schema-valid v1 message with repo/issue/delivery_id attributes', async () => {
    addIssue('ops/control', { number: 1, body: configBody('salt: s\nrollout:\n  octo/widgets: 1\n') });
    const publisher = new PubSubPublisher({ topic: 'issues', projectId: project, apiEndpoint: fake.host });
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 12, body: 'x'.repeat(70_000) }), 'real-1');
    await publisher.close();
    const [msg] = fake.published(`projects/${project}/topics/issues`);
    expect(msg).toBeDefined();
    expect(msg!.attributes).toMatchObject({ repo: 'octo/widgets', issue: '12', delivery_id: 'real-1' });
    const data = forwardedIssueSchema.parse(JSON.parse(msg!.data.toString('utf8')));
    expect(data.issue.body).toHaveLength(65_536);
    expect(calls().filter((c) => c.write)).toHaveLength(0);
  });

  it('a publish error (missing topic) falls back to universal labels', async () => {
    addIssue('ops/control', { number: 1, body: configBody('salt: s\nrollout:\n  octo/widgets: 1\n') });
    addIssue('octo/widgets', { number: 13, title: 'crash' });
    const publisher = new PubSubPublisher({
      topic: 'no-such-topic',
      projectId: project,
      apiEndpoint: fake.host,
      timeoutMs: 2_000,
    });
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 13 }));
    await publisher.close();
    expect(gh.issue('octo/widgets', 13).labels).toEqual(['bug']);
  });
});
