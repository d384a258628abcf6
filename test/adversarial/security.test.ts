/**
 * 5. Security: constant-time signature checks, config edits by people without write access, the bot's own events,
 * and no secret or private-repo text in any log line (captured at the most verbose level, see log-capture.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyWebhookSignature } from '../../src/lambda/signature';
import { signWebhookBody } from '../lambda/lambda-events';
import { Figures } from './figures';
import {
  configBody,
  CONFIG_ISSUE,
  CONFIG_REPO,
  OPERATOR,
  RetryingOctokit,
  startHarness,
  type Harness,
} from './harness';
import { capturedLineCount, scanLogsIntoFigures } from './log-capture';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));
// A spy around the real timingSafeEqual: the signature check must go through it.
vi.mock('node:crypto', async (orig) => {
  const real = await orig<typeof import('node:crypto')>();
  const timingSafeEqual = vi.fn(real.timingSafeEqual);
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});
const crypto = await import('node:crypto');

const here = dirname(fileURLToPath(import.meta.url));
const figures = new Figures('security');
const secrets: string[] = [];
/** Unique strings inside private-repo issues; none may appear in any log line. */
const PRIVATE_TEXT = ['PRIVATETITLEq7Zr2', 'PRIVATEBODYx9Kw4', 'PRIVATEEDITm3Vt8'];

afterAll(() => {
  const leaks = scanLogsIntoFigures(figures, [...secrets, ...PRIVATE_TEXT]);
  expect(leaks).toEqual([]);
});

describe('constant-time signature comparison', () => {
  const secret = 'sig-test-secret-123';
  const body = Buffer.from('{"action":"opened"}');

  it('the check compares HMACs with crypto.timingSafeEqual, for right and wrong signatures of the right length', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const good = signWebhookBody(secret, body);
    expect(verifyWebhookSignature(secret, body, good)).toBe(true);
    const wrong = good.slice(0, -1) + (good.endsWith('a') ? 'b' : 'a');
    expect(verifyWebhookSignature(secret, body, wrong)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    // Wrong length or format never reaches the comparison and never throws (timingSafeEqual would).
    spy.mockClear();
    for (const bad of [good.slice(0, 20), `${good}ab`, 'sha256=', 'sha1=abc', '', 'sha256=' + 'g'.repeat(64)]) {
      expect(verifyWebhookSignature(secret, body, bad)).toBe(false);
      figures.add('bad_inputs_tried');
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('code check: the source uses timingSafeEqual and never compares digests with == / ===', () => {
    const src = readFileSync(join(here, '..', '..', 'src', 'lambda', 'signature.ts'), 'utf8');
    expect(src).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(src).not.toMatch(/digest\([^)]*\)\s*[!=]==?|[!=]==?\s*[\w.]*digest\(/);
    expect(src).not.toMatch(/(given|expected|signature)\s*[!=]==?\s*(given|expected|signature)/);
    // Probot's adapter verifies a second time through @octokit/webhooks-methods, also with timingSafeEqual.
    const upstream = readFileSync(
      join(here, '..', '..', 'node_modules', '@octokit', 'webhooks-methods', 'dist-node', 'index.js'),
      'utf8',
    );
    expect(upstream).toMatch(/timingSafeEqual\)\(signatureBuffer, verificationBuffer\)/);
  });
});

describe('who may steer the bot', () => {
  let h: Harness;
  let probe = 0;
  beforeAll(async () => {
    h = await startHarness({ configYaml: 'salt: security\ndefaults:\n  comment: false\n', instances: 1 });
    h.gh.createRepo('acme/probe');
    h.gh.createRepo('acme/rules');
    for (const [login, perm] of [
      ['tina', 'triage'],
      ['rita', 'read'],
      ['wendy', 'write'],
      ['mike', 'maintain'],
    ] as const)
      h.gh.setPermission(CONFIG_REPO, login, perm);
  });
  afterAll(async () => {
    secrets.push(...h.secrets());
    await h.close();
  });

  /** A probe issue says which config is in force: silent (the original) or commenting (an accepted edit). */
  const silent = async () => {
    h.gh.createIssue('acme/probe', { title: 'App crash', body: 'crash', user: 'alice' });
    await h.gh.idle();
    probe++;
    expect(h.gh.issue('acme/probe', probe).labels).toEqual(['bug']);
    return h.gh.botComments('acme/probe', probe).length === 0;
  };

  it('config edits by triage, read, non-collaborators, unknown users and other apps are ignored (no write, no status comment)', async () => {
    expect(await silent()).toBe(true);
    const writesBefore = h.writes(CONFIG_REPO, CONFIG_ISSUE);
    for (const user of ['tina', 'rita', 'stranger', 'ghost-user-404', 'other-app[bot]', OPERATOR + '[bot]']) {
      // Valid (comments back on) and invalid (would make the bot post a status comment) edits alike.
      for (const body of [configBody('salt: security\n'), configBody('salt: [broken')]) {
        h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body }, { user });
        await h.gh.idle();
        figures.add('bad_inputs_tried');
      }
      expect({ user, silent: await silent() }).toEqual({ user, silent: true });
    }
    expect(h.writes(CONFIG_REPO, CONFIG_ISSUE)).toBe(writesBefore);
    expect(h.gh.botComments(CONFIG_REPO, CONFIG_ISSUE)).toHaveLength(0);
  });

  it('the same edits by write and maintain users are applied (the check is not just "nobody")', async () => {
    h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body: configBody('salt: security\n') }, { user: 'wendy' });
    await h.gh.idle();
    expect(await silent()).toBe(false);
    h.gh.editIssue(
      CONFIG_REPO,
      CONFIG_ISSUE,
      { body: configBody('salt: security\ndefaults:\n  comment: false\n') },
      { user: 'mike' },
    );
    await h.gh.idle();
    expect(await silent()).toBe(true);
  });

  it("edits of a repo's tracking issue (CC subscriptions) by people without write access are ignored", async () => {
    h.gh.createRepo('acme/tracked', { files: { '.github/issue_label_bot.yaml': 'tracking-issue: 1\n' } });
    h.gh.setPermission('acme/tracked', 'wendy', 'write');
    h.gh.createIssue('acme/tracked', {
      title: 'CC tracking',
      body: '* bug @alice',
      user: 'maintainer',
      webhook: false,
    });
    const labelNew = async () => {
      const issue = h.gh.createIssue('acme/tracked', {
        title: 'Slow start',
        body: 'slow',
        user: 'erin',
        webhook: false,
      });
      h.gh.addLabels('acme/tracked', issue.number, ['bug'], { user: 'maintainer' });
      await h.gh.idle();
      return h.gh.issue('acme/tracked', issue.number).body;
    };
    expect(await labelNew()).toMatch(/cc @alice$/);
    h.gh.editIssue('acme/tracked', 1, { body: '* bug @alice @mallory' }, { user: 'stranger' });
    h.gh.editIssue('acme/tracked', 1, { body: '* bug @alice @mallory' }, { user: 'other-app[bot]' });
    await h.gh.idle();
    figures.add('bad_inputs_tried', 2);
    // The body on GitHub says @mallory now; the bot keeps the version a maintainer wrote.
    expect(await labelNew()).toMatch(/cc @alice$/);
    h.gh.editIssue('acme/tracked', 1, { body: '* bug @alice @bob' }, { user: 'wendy' });
    await h.gh.idle();
    expect(await labelNew()).toMatch(/cc @alice @bob$/);
  });

  // Was a limitation found by this suite: the write-access check applied only to the edit's webhook, and a TTL
  // refresh took the body whoever wrote it. Fixed: a changed body is taken on refresh only when its last editor has
  // write access (GraphQL LabelBotIssueEditor). An instance's very first load still has no earlier value to keep.
  it("a non-writer's edit is still ignored after the config TTL refresh", async () => {
    const t = await startHarness({
      configYaml: 'salt: security\ndefaults:\n  comment: false\n',
      instances: 1,
      env: { CONFIG_TTL_SECONDS: '1' },
    });
    try {
      t.gh.createRepo('acme/probe');
      const silentProbe = async (n: number) => {
        t.gh.createIssue('acme/probe', { title: 'App crash', body: 'crash', user: 'alice' });
        await t.gh.idle();
        return t.gh.botComments('acme/probe', n).length === 0;
      };
      expect(await silentProbe(1)).toBe(true);
      t.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body: configBody('salt: security\n') }, { user: 'stranger' });
      await t.gh.idle();
      expect(await silentProbe(2)).toBe(true);
      await new Promise((r) => setTimeout(r, 1_200));
      figures.add('bad_inputs_tried');
      const ignored = await silentProbe(3);
      expect(ignored).toBe(true);
    } finally {
      secrets.push(...t.secrets());
      await t.close();
    }
  });

  it("the bot's own events never trigger it: its issues, labels and edits cause no GitHub call", async () => {
    const bot = h.gh.botLogin;
    h.gh.createIssue('acme/rules', { title: 'App crash', body: 'crash', user: 'alice', webhook: false });
    const before = h.gh.counters.snapshot().total;
    const events = [
      h.gh.buildWebhook('issues', h.gh.issuesPayload('acme/rules', 1, 'opened', bot)),
      h.gh.buildWebhook('issues', h.gh.issuesPayload('acme/rules', 1, 'reopened', bot)),
      h.gh.buildWebhook('issues', h.gh.issuesPayload(CONFIG_REPO, CONFIG_ISSUE, 'edited', bot)),
      h.gh.buildWebhook('issues', h.gh.issuesPayload('acme/rules', 1, 'opened', 'dependabot[bot]')),
    ];
    for (const d of events) {
      figures.add('deliveries_tried');
      expect((await h.deliver(d)).status).toBe(200);
    }
    expect(h.gh.counters.snapshot().total).toBe(before);
    expect(h.gh.issue('acme/rules', 1).labels).toEqual([]);
  });

  it('label rules that feed each other (a → b, b → a) plus cc settle without a loop', async () => {
    const yaml = [
      'salt: security',
      'defaults:',
      '  comment: false',
      'repos:',
      '  acme/rules:',
      '    cc:',
      '      a: "@alice"',
      '      b: "@bob"',
      '    label-rules:',
      '      - any: [a]',
      '        then: [b]',
      '      - any: [b]',
      '        then: [a, c]',
    ].join('\n');
    h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body: configBody(yaml) }, { user: OPERATOR });
    await h.gh.idle();
    h.gh.addLabels('acme/rules', 1, ['a'], { user: 'maintainer' });
    await h.gh.idle();
    const issue = h.gh.issue('acme/rules', 1);
    expect([...issue.labels].sort()).toEqual(['a', 'b', 'c']);
    // @alice subscribed to `a` but filed the issue, so only @bob is cc'd (authors are never cc'd on their own issue).
    expect(issue.body).toMatch(/cc @bob$/);
    expect([...h.gh.webhooks.loopSuspects]).toEqual([]);
    expect(h.gh.webhooks.deliveries.filter((d) => d.issue === 'acme/rules#1').length).toBeLessThan(10);
  });
});

describe('no secrets or private-repo text in any log line', () => {
  let h: Harness;
  beforeAll(async () => {
    // Production retry/throttle behaviour, so the error and retry paths log as they would in production.
    h = await startHarness({ configYaml: 'salt: security\n', instances: 2, Octokit: RetryingOctokit });
    h.gh.createRepo('hidden/secret', { private: true });
    h.gh.createRepo('hidden/.github', { private: true, files: { 'issue_label_bot.yaml': 'comment: true\n' } });
  });
  afterAll(async () => {
    secrets.push(...h.secrets());
    await h.close();
  });

  it('a private repo through labeling, cc, label rules, faults, bad signatures and config errors', async () => {
    const yaml = [
      'salt: security',
      'repos:',
      '  hidden/secret:',
      '    cc:',
      '      bug: "@alice"',
      '    label-rules:',
      '      - any: [urgent]',
      '        then: [triage]',
    ].join('\n');
    h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body: configBody(yaml) }, { user: OPERATOR });
    await h.gh.idle();
    await h.deliver(h.gh.webhooks.deliveries.at(-1)!, 1); // the other instance gets the edit too

    // Labeled + cc'd (the cc PATCH sends the private body back to GitHub), with a 502 and a rate limit on the way.
    h.gh.faults.add({ kind: 'status', status: 502, route: 'graphql:LabelBotIssueState', times: 1 });
    h.gh.faults.add({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, method: 'PATCH', times: 1 });
    h.gh.createIssue('hidden/secret', {
      title: `Crash ${PRIVATE_TEXT[0]}`,
      body: `crash ${PRIVATE_TEXT[1]}`,
      user: 'carol',
    });
    await h.gh.idle();
    h.gh.addLabels('hidden/secret', 1, ['urgent'], { user: 'maintainer' });
    h.gh.editIssue('hidden/secret', 1, { body: `crash ${PRIVATE_TEXT[1]} ${PRIVATE_TEXT[2]}` }, { user: 'carol' });
    h.gh.editIssue('hidden/secret', 1, { state: 'closed' }, { user: 'carol' });
    h.gh.editIssue('hidden/secret', 1, { state: 'open' }, { user: 'carol' });
    await h.gh.idle();
    const issue = h.gh.issue('hidden/secret', 1);
    expect([...issue.labels].sort()).toEqual(['bug', 'triage', 'urgent']);
    expect(issue.body).toMatch(/cc @alice/);

    // A bad signature on a private-repo payload, and a malformed one with a valid signature.
    const payload = h.gh.issuesPayload('hidden/secret', 1, 'opened');
    const tampered = { ...h.gh.buildWebhook('issues', payload) };
    tampered.headers = { ...tampered.headers, 'x-hub-signature-256': signWebhookBody('wrong', tampered.body) };
    expect((await h.deliver(tampered)).status).toBe(401);
    const broken = h.gh.buildWebhook('issues', { ...payload, repository: 'not an object' });
    expect((await h.deliver(broken)).status).toBe(400);
    figures.add('bad_inputs_tried', 2);

    // A config error: the status comment quotes YAML, never logs it.
    h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body: configBody(`salt: [${PRIVATE_TEXT[2]}`) }, { user: OPERATOR });
    await h.gh.idle();
    expect(h.gh.botComments(CONFIG_REPO, CONFIG_ISSUE)).toHaveLength(1);
    expect(capturedLineCount()).toBeGreaterThan(50);
  });
});
