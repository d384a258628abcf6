import { PubSub } from '@google-cloud/pubsub';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADD_COMMENT_OPERATION } from '../../src/github/add-comment-mutation';
import { createLogger } from '../../src/log/logger';
import { forwardedIssueSchema } from '../../src/pubsub/message';
import { PubSubPublisher } from '../../src/pubsub/publisher';
import { decideCohort } from '../../src/rollout/cohort';
import { FakeGitHub } from '../support/nock-github';
import { startPubSubFake, type PubSubFake } from '../support/pubsub-fake';
import { configBody, createTestProbot, issuesPayload, logSink, RecordingPublisher, testConfigStore } from './app-harness';
import { KeywordClassifier } from '../support/fake-classifier';

const classifier = new KeywordClassifier('universal/fake-1');
const loadClassifier = async () => classifier;

let gh: FakeGitHub;
beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  gh = new FakeGitHub();
  gh.addRepo('octo/widgets');
  gh.addRepo('ops/control', { permissions: { operator: 'admin', reader: 'read' } });
  gh.install();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const receive = (probot: Awaited<ReturnType<typeof createTestProbot>>, payload: ReturnType<typeof issuesPayload>, id = 'd-1') =>
  probot.receive({ id, name: 'issues', payload } as never);

describe('universal labeling through probot.receive', () => {
  it('labels a new issue and keeps ONE comment after 3 deliveries of the same event', async () => {
    gh.addIssue('octo/widgets', { number: 1, title: 'App crash on start' });
    const probot = await createTestProbot({ loadClassifier });
    for (let i = 0; i < 3; i++) await receive(probot, issuesPayload({ number: 1 }), 'same-delivery');
    const issue = gh.issue('octo/widgets', 1);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
    expect(gh.callsTo('POST', '/labels')).toHaveLength(1);
    expect(gh.graphqlCalls(ADD_COMMENT_OPERATION)).toHaveLength(1);
    expect(gh.callsTo('PATCH', '/comments/')).toHaveLength(0);
    expect(gh.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
  });

  it('keeps ONE comment when the same event arrives 10 times in parallel on two app instances', async () => {
    gh.addIssue('octo/widgets', { number: 30, title: 'crash' });
    const a = await createTestProbot({ loadClassifier });
    const b = await createTestProbot({ loadClassifier });
    await Promise.all(Array.from({ length: 10 }, (_, i) => receive(i % 2 ? a : b, issuesPayload({ number: 30 }), 'dup')));
    const issue = gh.issue('octo/widgets', 30);
    expect(issue.labels).toEqual(['bug']);
    expect(issue.comments).toHaveLength(1);
  });

  it('predicts from the live issue, not the payload (the title may have been edited)', async () => {
    gh.addIssue('octo/widgets', { number: 2, title: 'please add dark mode', body: '' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 2, title: 'crash' }));
    expect(gh.issue('octo/widgets', 2).labels).toEqual(['feature']);
  });

  it('ignores bot senders (its own included) and pull requests', async () => {
    gh.addIssue('octo/widgets', { number: 3, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 3, sender: 'label-bot[bot]', senderType: 'Bot' }));
    await receive(probot, issuesPayload({ number: 3, sender: 'dependabot[bot]', senderType: 'Bot' }));
    await receive(probot, issuesPayload({ number: 3, pullRequest: true }));
    expect(gh.calls.filter((c) => !c.path.includes('access_tokens'))).toHaveLength(0);
  });

  it('applies repo aliases, the allowlist, silent mode and skip-if-labeled', async () => {
    gh.repo('octo/widgets').config = "label-alias:\n  bug: 'kind/bug'\n  feature: 'kind/feature'\npredicted-labels: [kind/bug]\ncomment: false\nskip-if-labeled: true\n";
    gh.addIssue('octo/widgets', { number: 4, title: 'crash', body: 'please add a fix' });
    gh.addIssue('octo/widgets', { number: 5, title: 'crash', labels: ['needs-triage'] });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 4 }));
    await receive(probot, issuesPayload({ number: 5 }));
    expect(gh.issue('octo/widgets', 4).labels).toEqual(['kind/bug']);
    expect(gh.issue('octo/widgets', 4).comments).toHaveLength(0);
    expect(gh.issue('octo/widgets', 5).labels).toEqual(['needs-triage']);
  });

  it('does not re-add a label a human removed when the issue is reopened', async () => {
    gh.addIssue('octo/widgets', { number: 6, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier });
    await receive(probot, issuesPayload({ number: 6 }));
    gh.humanUnlabel('octo/widgets', 6, 'bug');
    await receive(probot, issuesPayload({ number: 6, action: 'reopened' }), 'd-2');
    expect(gh.issue('octo/widgets', 6).labels).toEqual([]);
    expect(gh.callsTo('POST', '/labels')).toHaveLength(1);
  });

  it('never logs titles or bodies of private-repo issues', async () => {
    gh.repo('octo/widgets').isPrivate = true;
    gh.addIssue('octo/widgets', { number: 7, title: 'crash SECRET-TITLE', body: 'SECRET-BODY' });
    const sink = logSink();
    const log = createLogger('app-test', sink.stream);
    log.level = 'debug';
    const probot = await createTestProbot({ loadClassifier, log });
    await receive(probot, issuesPayload({ number: 7, isPrivate: true, title: 'crash SECRET-TITLE', body: 'SECRET-BODY' }));
    expect(gh.issue('octo/widgets', 7).labels).toEqual(['bug']);
    expect(sink.lines.length).toBeGreaterThan(0);
    expect(sink.lines.join('\n')).not.toMatch(/SECRET-(TITLE|BODY)/);
  });

  it('labels a transferred issue once: on the new repo\'s issues.opened, not on the old repo\'s issues.transferred', async () => {
    gh.addRepo('octo/gadgets');
    gh.addIssue('octo/gadgets', { number: 40, title: 'crash' });
    const sink = logSink();
    const log = createLogger('app-test', sink.stream);
    log.level = 'info';
    const probot = await createTestProbot({ loadClassifier, log });
    // The old repo's event: GitHub sends it to the old repo's installation; nothing is labeled from there.
    const old = issuesPayload({ number: 3, action: 'transferred' });
    const transferred = { ...old, changes: { new_repository: { ...old.repository, id: 556, name: 'gadgets', full_name: 'octo/gadgets' }, new_issue: { ...old.issue, number: 40 } } };
    await probot.receive({ id: 't-1', name: 'issues', payload: transferred } as never);
    expect(gh.issue('octo/gadgets', 40).labels).toEqual([]);
    expect(sink.lines.join('\n')).toMatch(/"decision":"ignored","reason":"transferred"/);
    // The new repo's event, through the new repo's installation.
    const opened = issuesPayload({ number: 40, repo: 'octo/gadgets', installationId: 78 });
    await probot.receive({ id: 't-2', name: 'issues', payload: { ...opened, changes: { old_issue: old.issue, old_repository: old.repository } } } as never);
    expect(gh.issue('octo/gadgets', 40).labels).toEqual(['bug']);
    expect(gh.issue('octo/gadgets', 40).comments).toHaveLength(1);
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
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.failLabelsWith = { status: 502, times: 10 };
    const publisher = new RecordingPublisher();
    const { sink, log } = logged();
    const probot = await createTestProbot({ loadClassifier, publisher, log });
    await receive(probot, issuesPayload({ number: 1 }), 'outage-1');
    expect(gh.issue('octo/widgets', 1).labels).toEqual([]);
    expect(publisher.messages).toHaveLength(1);
    const [message] = publisher.messages;
    expect(forwardedIssueSchema.parse(message)).toEqual(message);
    expect(message).toMatchObject({ model: 'universal', delivery_id: 'outage-1', repo: { owner: 'octo', name: 'widgets' }, issue: { number: 1 }, cohort: { ratio: 0, mode: 'active' } });
    expect(sink.lines.join('\n')).toMatch(/"decision":"handed_off"/);
  });

  it('a repo in a shadow rollout is handed off with model: universal too, with its cohort', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody('salt: s\nrollout:\n  octo/widgets: { ratio: 1, mode: shadow }\n') });
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.failLabelsWith = { status: 500, times: 10 };
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
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.failLabelsWith = { status: 404, times: 10 };
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(publisher.messages).toEqual([]);
  });

  it('when the hand-off publish fails too (or there is no topic), says loudly which issue is left unlabeled', async () => {
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.failLabelsWith = { status: 502, times: 10 };
    const publisher = new RecordingPublisher();
    publisher.fail = new Error('UNAVAILABLE');
    const withTopic = logged();
    await receive(await createTestProbot({ loadClassifier, publisher, log: withTopic.log }), issuesPayload({ number: 1 }));
    const noTopic = logged();
    await receive(await createTestProbot({ loadClassifier, publisher: null, log: noTopic.log }), issuesPayload({ number: 1 }));
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
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 0.5\n`) });
    const inside = pick(0.5, true);
    const outside = pick(0.5, false);
    gh.addIssue('octo/widgets', { number: inside, title: 'crash' });
    gh.addIssue('octo/widgets', { number: outside, title: 'crash' });
    const publisher = new RecordingPublisher();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: inside }), 'in-1');
    await receive(probot, issuesPayload({ number: inside }), 'in-1'); // redelivery: same path
    await receive(probot, issuesPayload({ number: outside }), 'out-1');
    expect(publisher.messages).toHaveLength(2);
    const msg = publisher.messages[0]!;
    expect(forwardedIssueSchema.parse(msg)).toEqual(msg);
    expect(msg).toMatchObject({ v: 1, delivery_id: 'in-1', installation_id: 77, repo: { owner: 'octo', name: 'widgets' }, issue: { number: inside }, cohort: { ratio: 0.5, mode: 'active' } });
    expect(msg.cohort.bucket).toBe(decideCohort(salt, 'octo/widgets', inside, 0.5).bucket);
    expect(msg).not.toHaveProperty('defaults'); // none in this config issue: left out, as older frontends did
    expect(gh.issue('octo/widgets', inside).labels).toEqual([]);
    expect(gh.issue('octo/widgets', outside).labels).toEqual(['bug']);
    // The config issue is read once (cached within the TTL) through the config repo's installation.
    expect(gh.callsTo('GET', '/repos/ops/control/issues/1')).toHaveLength(1);
    expect(gh.callsTo('GET', '/repos/ops/control/installation')).toHaveLength(1);
  });

  it('owner/* applies, an exact repo entry beats it, and shadow mode forwards AND labels', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/*: { ratio: 1, mode: shadow }\n  octo/gadgets: 0\n`) });
    gh.addRepo('octo/gadgets');
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.addIssue('octo/gadgets', { number: 1, title: 'crash' });
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
    gh.addIssue('ops/control', { number: 1, title: 'crash config', body: configBody(`salt: ${salt}\n`) });
    const probot = await createTestProbot({ loadClassifier, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ repo: 'ops/control', number: 1, sender: 'operator' }));
    expect(gh.issue('ops/control', 1).labels).toEqual([]);
    expect(gh.callsTo('POST', '/graphql')).toHaveLength(0);
  });

  it('labels with the universal model when the config repo is not installed, without retrying on every event', async () => {
    nock.cleanAll();
    nock('https://api.github.com').get('/repos/ops/control/installation').reply(404, { message: 'Not Found' });
    gh.install();
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.addIssue('octo/widgets', { number: 2, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier, publisher: new RecordingPublisher(), configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }), 'n-1');
    await receive(probot, issuesPayload({ number: 2 }), 'n-2');
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
    expect(gh.issue('octo/widgets', 2).labels).toEqual(['bug']);
    expect(nock.pendingMocks()).not.toContain('GET https://api.github.com:443/repos/ops/control/installation');
    expect(gh.callsTo('GET', '/repos/ops/control/installation')).toHaveLength(0);
  });

  it('falls back to universal labels when publishing fails', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`) });
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    const publisher = new RecordingPublisher();
    publisher.fail = new Error('UNAVAILABLE');
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['bug']);
  });

  it('uses the operator defaults for repos without their own file', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\ndefaults:\n  comment: false\n  label-alias: { bug: 'type: bug' }\n`) });
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    const probot = await createTestProbot({ loadClassifier, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(gh.issue('octo/widgets', 1).labels).toEqual(['type: bug']);
    expect(gh.issue('octo/widgets', 1).comments).toHaveLength(0);
  });

  it('forwards the operator defaults with the issue, so the worker applies the same settings', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\ndefaults:\n  min-confidence: 0.9\n  comment: false\n`) });
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    const publisher = new RecordingPublisher();
    await receive(await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() }), issuesPayload({ number: 1 }));
    expect(publisher.messages[0]!.defaults).toEqual({ 'min-confidence': 0.9, comment: false });
  });

  it('refreshes from issues.edited by a writer, ignores readers, reports invalid edits in one comment', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 0\n`) });
    gh.addIssue('octo/widgets', { number: 1, title: 'crash' });
    gh.addIssue('octo/widgets', { number: 2, title: 'crash' });
    const publisher = new RecordingPublisher();
    const store = testConfigStore();
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: store });
    await receive(probot, issuesPayload({ number: 1 }));
    expect(publisher.messages).toHaveLength(0);

    const edit = (body: string, sender: string) => ({
      ...issuesPayload({ repo: 'ops/control', number: 1, action: 'edited', sender, body }),
      changes: { body: { from: 'old' } },
    });
    await probot.receive({ id: 'e-1', name: 'issues', payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`), 'reader') } as never);
    expect(store.current()?.rollout['octo/widgets']?.ratio).toBe(0);
    await probot.receive({ id: 'e-2', name: 'issues', payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 7\n`), 'operator') } as never);
    expect(store.current()?.rollout['octo/widgets']?.ratio).toBe(0);
    expect(gh.issue('ops/control', 1).comments).toHaveLength(1);
    expect(gh.issue('ops/control', 1).comments[0]!.body).toMatch(/invalid/);
    await probot.receive({ id: 'e-3', name: 'issues', payload: edit(configBody(`salt: ${salt}\nrollout:\n  octo/widgets: 1\n`), 'operator') } as never);
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
    gh.addIssue('ops/control', { number: 1, body: configBody('salt: s\nrollout:\n  octo/widgets: 1\n') });
    const publisher = new PubSubPublisher({ topic: 'issues', projectId: project, apiEndpoint: fake.host });
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 12, body: 'x'.repeat(70_000) }), 'real-1');
    await publisher.close();
    const [msg] = fake.published(`projects/${project}/topics/issues`);
    expect(msg).toBeDefined();
    expect(msg!.attributes).toMatchObject({ repo: 'octo/widgets', issue: '12', delivery_id: 'real-1' });
    const data = forwardedIssueSchema.parse(JSON.parse(msg!.data.toString('utf8')));
    expect(data.issue.body).toHaveLength(65_536);
    expect(gh.writes()).toHaveLength(0);
  });

  it('a publish error (missing topic) falls back to universal labels', async () => {
    gh.addIssue('ops/control', { number: 1, body: configBody('salt: s\nrollout:\n  octo/widgets: 1\n') });
    gh.addIssue('octo/widgets', { number: 13, title: 'crash' });
    const publisher = new PubSubPublisher({ topic: 'no-such-topic', projectId: project, apiEndpoint: fake.host, timeoutMs: 2_000 });
    const probot = await createTestProbot({ loadClassifier, publisher, configStore: testConfigStore() });
    await receive(probot, issuesPayload({ number: 13 }));
    await publisher.close();
    expect(gh.issue('octo/widgets', 13).labels).toEqual(['bug']);
  });
});
