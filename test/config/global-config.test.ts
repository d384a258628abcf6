import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_STATUS_MARKER,
  createGlobalConfigStore,
  globalConfigSchema,
  parseGlobalConfig,
  parseIssueLocator,
} from '../../src/config/global-config';
import { rolloutFor } from '../../src/rollout/rollout-for';
import { IssueBackedConfig, type IssueEditedContextLike } from '../../src/config/issue-backed-config';
import { repoConfigFileSchema } from '../../src/github/repo-config';
import { createLogger } from '../../src/log/logger';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { standInOctokit } from '../support/test-octokit';
import { logSink } from '../bots/app-harness';

const body = (yaml: string) => `Operator notes: keep this short.\n\n\`\`\`yaml\n${yaml}\n\`\`\`\n\nMore prose.`;

describe('parseGlobalConfig', () => {
  it('parses salt, rollout (number and {ratio, mode}), defaults; prose outside the block is ignored', () => {
    const r = parseGlobalConfig(
      body(
        `salt: s1\nrollout:\n  octo/widgets: 0.25\n  octo/*: { ratio: 0.1, mode: shadow }\n  Kube/Flow: 1\ndefaults:\n  comment: false\n`,
      ),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.salt).toBe('s1');
    expect(r.value.defaults).toEqual({ comment: false });
    expect(rolloutFor(r.value, 'octo/widgets')).toEqual({ ratio: 0.25, mode: 'active', key: 'octo/widgets' });
    expect(rolloutFor(r.value, 'Octo/Gadgets')).toEqual({ ratio: 0.1, mode: 'shadow', key: 'octo/*' });
    expect(rolloutFor(r.value, 'kube/flow')?.ratio).toBe(1);
    expect(rolloutFor(r.value, 'other/repo')).toBeNull();
    expect(rolloutFor(null, 'octo/widgets')).toBeNull();
  });

  it('retrain: true marks a repo for `label-bot retrain`; absent or false leaves it out; strict about its type and typos', () => {
    const r = parseGlobalConfig(
      body(
        `salt: s\nrollout:\n  acme/widgets: { ratio: 0.5, mode: active, retrain: true }\n  acme/gadgets: { ratio: 1, mode: shadow, retrain: false }\n  acme/tools: 1\n  octo/*: { ratio: 0.1, retrain: true }\n`,
      ),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(rolloutFor(r.value, 'acme/widgets')).toEqual({
      ratio: 0.5,
      mode: 'active',
      key: 'acme/widgets',
      retrain: true,
    });
    expect(rolloutFor(r.value, 'acme/gadgets')).toEqual({ ratio: 1, mode: 'shadow', key: 'acme/gadgets' });
    expect(rolloutFor(r.value, 'acme/tools')).toEqual({ ratio: 1, mode: 'active', key: 'acme/tools' });
    // An org entry's model serves many repos: its retrain is ignored, and the status comment says so.
    expect(rolloutFor(r.value, 'octo/x')).toEqual({ ratio: 0.1, mode: 'active', key: 'octo/*' });
    expect(r.warnings).toEqual(['rollout: "octo/*": retrain applies to exact owner/repo entries only; ignored here']);

    for (const bad of ['retrain: yes please', 'retrian: true']) {
      const e = parseGlobalConfig(body(`salt: s\nrollout:\n  acme/widgets: { ratio: 1, ${bad} }\n`));
      expect(e.ok, bad).toBe(false);
      if (!e.ok) expect(e.errors.join('\n')).toMatch(/rollout\.acme\/widgets/);
    }
  });

  it('reports unknown keys, bad ratios and bad repo keys instead of ignoring them', () => {
    const r = parseGlobalConfig(
      body(`salt: s\nrolout: {}\nrollout:\n  octo/widgets: 1.5\n  not-a-repo: 0.1\ndefaults:\n  coment: true\n`),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const all = r.errors.join('\n');
    expect(all).toMatch(/rolout/);
    expect(all).toMatch(/rollout\.octo\/widgets/);
    expect(all).toMatch(/not-a-repo|owner\/repo/);
    expect(all).toMatch(/coment/);
  });

  it('requires exactly one yaml block, a salt, and valid YAML', () => {
    expect(parseGlobalConfig('no block here')).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/no ```yaml block/)],
    });
    expect(parseGlobalConfig(body('salt: a') + body('salt: b'))).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/2 ```yaml blocks/)],
    });
    expect(parseGlobalConfig(body('rollout: {}'))).toMatchObject({ ok: false });
    expect(parseGlobalConfig(body('salt: [unclosed'))).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/invalid YAML/)],
    });
    expect(parseGlobalConfig('```yaml\nsalt: x\n')).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/not closed/)],
    });
  });

  it('rejects YAML alias bombs and oversized bodies', () => {
    const bomb = ['salt: s', 'a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    expect(parseGlobalConfig(body(bomb.join('\n')))).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/alias count/)],
    });
    expect(parseGlobalConfig(body(`salt: s\n# ${'x'.repeat(70_000)}`))).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/longer than/)],
    });
  });

  it('embeds the helpers schema under repos:', () => {
    const ok = parseGlobalConfig(body('salt: s\nrepos:\n  octo/widgets: {}\n'));
    expect(ok.ok).toBe(true);
    const bad = parseGlobalConfig(body('salt: s\nrepos:\n  octo/widgets: { no-such-helper-key: 1 }\n'));
    expect(bad).toMatchObject({ ok: false, errors: [expect.stringMatching(/no-such-helper-key/)] });
  });

  it('parses CONFIG_ISSUE locators', () => {
    expect(parseIssueLocator('octo/ops#7')).toEqual({ owner: 'octo', repo: 'ops', number: 7 });
    expect(() => parseIssueLocator('octo/ops')).toThrow(/owner\/repo#123/);
  });
});

describe('IssueBackedConfig with the global config', () => {
  let gh: GitHubStandIn;
  let now = 0;
  const ref = { owner: 'octo', repo: 'ops', number: 7 };
  const testOctokit = () => standInOctokit(gh);
  const editContext = (bodyText: string, sender = 'operator', type = 'User'): IssueEditedContextLike => ({
    payload: {
      repository: { full_name: 'octo/ops', name: 'ops', owner: { login: 'octo' } },
      issue: { number: 7, body: bodyText },
      sender: { login: sender, type },
    },
    octokit: testOctokit(),
  });
  /** A human edits the config issue's body (GraphQL `editor` becomes them). */
  const editBody = (text: string, editor: string) => gh.editIssue('octo/ops', 7, { body: text }, { user: editor });
  const configReads = () => gh.counters.forIssue('octo/ops', 7, 'GET /repos/{owner}/{repo}/issues/{issue_number}');
  const graphqlCalls = () => gh.counters.requests().filter((r) => r.path === '/graphql').length;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => {
    now = 1_000_000;
    gh.reset();
    gh.createRepo('octo/ops');
    const roles = { operator: 'admin', writer: 'write', maint: 'maintain', reader: 'read', triager: 'triage' } as const;
    for (const [login, role] of Object.entries(roles)) gh.setPermission('octo/ops', login, role);
    gh.createIssue('octo/ops', {
      number: 7,
      title: 'label-bot config',
      user: 'alice',
      body: body('salt: s1\nrollout:\n  octo/widgets: 0.5\n'),
    });
  });

  const store = () => createGlobalConfigStore({ ref, ttlMs: 60_000, now: () => now });

  it('caches within the TTL, revalidates with If-None-Match after it: 304 keeps, 200 replaces', async () => {
    const s = store();
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    await s.get(testOctokit());
    expect(configReads()).toBe(1);

    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    expect(configReads()).toBe(2); // the 304
    expect(gh.counters.requests().at(-1)?.status).toBe(304);

    editBody(body('salt: s1\nrollout:\n  octo/widgets: 0.9\n'), 'operator');
    now += 30_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5); // still inside TTL
    now += 31_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.9);
    expect(configReads()).toBe(3);
  });

  it('sends the ETag it got and gets a 304 (not a re-parse)', async () => {
    let parses = 0;
    const s = new IssueBackedConfig({
      ref,
      ttlMs: 10,
      now: () => now,
      statusCommentMarker: '<!-- t -->',
      parse: (b) => {
        parses++;
        return { ok: true, value: b, warnings: [] };
      },
    });
    await s.get(testOctokit());
    now += 11;
    await s.get(testOctokit());
    expect(parses).toBe(1);
  });

  it('keeps the last good value on an invalid refresh, and logs why', async () => {
    const sink = logSink();
    const log = createLogger('config-test', sink.stream);
    log.level = 'info';
    const s = createGlobalConfigStore({ ref, ttlMs: 60_000, now: () => now, log });
    await s.get(testOctokit());
    editBody(body('salt: s1\nrollout: nope\n'), 'operator');
    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    const invalid = sink.lines
      .map((l) => JSON.parse(l) as { msg: string; errors?: string[] })
      .find((l) => l.msg.startsWith('invalid config'));
    expect(invalid?.errors?.join()).toMatch(/rollout/);
  });

  it('a TTL refresh takes a changed body only when its last editor has write access (else keeps the cache, then 304s)', async () => {
    const s = store();
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    for (const editor of ['reader', 'triager', 'stranger', 'some-app[bot]']) {
      editBody(body('salt: s1\nrollout:\n  octo/widgets: 0.1\n'), editor);
      now += 61_000;
      expect({ editor, ratio: (await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio }).toEqual({
        editor,
        ratio: 0.5,
      });
    }
    // The rejected body's ETag is kept: the next refresh is a 304, with no editor lookup.
    const lookups = graphqlCalls();
    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    expect(gh.counters.requests().at(-1)?.status).toBe(304);
    expect(graphqlCalls()).toBe(lookups);

    editBody(body('salt: s1\nrollout:\n  octo/widgets: 0.2\n'), 'writer');
    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.2);
    // Never edited: the author decides (alice is no collaborator of octo/ops).
    const issue = gh.store.requireIssue(gh.repo('octo/ops'), 7);
    issue.body = body('salt: s1\nrollout:\n  octo/widgets: 0.3\n');
    delete issue.lastEditedBy;
    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.2);
  });

  it('a TTL refresh that finds the body unchanged, or loads for the first time, needs no editor lookup', async () => {
    const s = store();
    await s.get(testOctokit());
    gh.editIssue('octo/ops', 7, { title: 'renamed' }, { user: 'reader' }); // a title change: new ETag, same body
    now += 61_000;
    expect((await s.get(testOctokit()))?.rollout['octo/widgets']?.ratio).toBe(0.5);
    expect(gh.counters.requests().map((r) => r.status)).toEqual([200, 200]);
    expect(configReads()).toBe(2);
    expect(graphqlCalls()).toBe(0);
  });

  it('applies edits from writers at once, ignores users without write access and bots', async () => {
    const s = store();
    await s.get(testOctokit());
    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.1\n'), 'reader'))).toBe(
      'ignored-no-permission',
    );
    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.1\n'), 'triager'))).toBe(
      'ignored-no-permission',
    );
    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.1\n'), 'stranger'))).toBe(
      'ignored-no-permission',
    );
    expect(
      await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.1\n'), 'some-app[bot]', 'Bot')),
    ).toBe('ignored-bot');
    expect(s.current()?.rollout['octo/widgets']?.ratio).toBe(0.5);

    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.2\n'), 'maint'))).toBe(
      'applied',
    );
    expect(s.current()?.rollout['octo/widgets']?.ratio).toBe(0.2);
    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.3\n'), 'writer'))).toBe(
      'applied',
    );
    expect(s.current()?.rollout['octo/widgets']?.ratio).toBe(0.3);
    // No status comment when nothing was ever wrong.
    expect(gh.issue('octo/ops', 7).comments).toHaveLength(0);
    // An edit is fresh: no refetch inside the TTL.
    const gets = configReads();
    await s.get(testOctokit());
    expect(configReads()).toBe(gets);
  });

  it('an invalid edit keeps the last good config and keeps ONE status comment up to date, then clears it', async () => {
    const s = store();
    await s.get(testOctokit());
    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 2\n')))).toBe('rejected');
    expect(s.current()?.rollout['octo/widgets']?.ratio).toBe(0.5);
    const comments = () => gh.issue('octo/ops', 7).comments;
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toContain(CONFIG_STATUS_MARKER);
    expect(comments()[0]!.body).toMatch(/invalid/);
    expect(comments()[0]!.body).toMatch(/rollout\.octo\/widgets/);

    expect(await s.onIssueEdited(editContext(body('salt: s1\nrolout: {}\n')))).toBe('rejected');
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/rolout/);

    expect(await s.onIssueEdited(editContext(body('salt: s1\nrollout:\n  octo/widgets: 0.7\n')))).toBe('applied');
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/valid\.\*\* The current version is in use/);
    expect(s.current()?.rollout['octo/widgets']?.ratio).toBe(0.7);
  });

  it('ignores edits of other issues', async () => {
    const s = store();
    const ctx = editContext(body('salt: x'));
    ctx.payload.issue.number = 8;
    expect(await s.onIssueEdited(ctx)).toBe('not-config-issue');
    expect(s.isConfigIssue('Octo/Ops', 7)).toBe(true);
    expect(s.isConfigIssue('octo/ops', 8)).toBe(false);
  });

  it('serves null (universal labeling everywhere) when the issue cannot be read, and retries after the TTL', async () => {
    const s = createGlobalConfigStore({ ref: { owner: 'octo', repo: 'ops', number: 99 }, ttlMs: 1000, now: () => now });
    expect(await s.get(testOctokit())).toBeNull();
    gh.createIssue('octo/ops', { number: 99, title: 'config', user: 'alice', body: body('salt: z') });
    expect(await s.get(testOctokit())).toBeNull();
    now += 1001;
    expect((await s.get(testOctokit()))?.salt).toBe('z');
  });
});

describe('config-issue.md (the copy-paste template)', () => {
  const template = readFileSync(new URL('../../config-issue.md', import.meta.url), 'utf8');
  const issueBody = template.slice(template.indexOf('\n---\n') + 5);

  it('is a valid config as pasted', () => {
    const r = parseGlobalConfig(issueBody);
    expect(r).toMatchObject({ ok: true });
  });

  it('documents every key of the schema', () => {
    for (const key of [
      ...Object.keys(globalConfigSchema.shape),
      ...Object.keys(repoConfigFileSchema.shape),
      'ratio',
      'mode',
      'shadow',
      'retrain',
    ]) {
      expect(template, key).toContain(`${key}`);
    }
  });
});
