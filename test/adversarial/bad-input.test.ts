/**
 * 4. Bad input, through the real Lambda handler (createRuntime) with valid signatures unless the signature is the
 * point: fuzzed webhook bodies (fast-check, seeded), signature abuse, and hostile config issues. Expected answers are
 * a 4xx, or a 200 with the input ignored and a logged reason. Never a 5xx, never a throw out of the handler, never
 * an unhandled rejection, and the last good config stays in force.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseGlobalConfig } from '../../src/config/global-config';
import type { HttpResult } from '../../src/lambda/http-event';
import { Figures } from './figures';
import { configBody, CONFIG_ISSUE, CONFIG_REPO, OPERATOR, startHarness, type Harness } from './harness';
import { captured, scanLogsIntoFigures } from './log-capture';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const figures = new Figures('bad-input');
const SEED = 20261122;
const RUNS = 200;
const EVENTS = ['issues', 'pull_request', 'issue_comment', 'installation', 'ping', 'push', 'x'] as const;
const ACTIONS = [
  'opened',
  'reopened',
  'edited',
  'labeled',
  'unlabeled',
  'synchronize',
  'closed',
  'transferred',
  'deleted',
] as const;

let unhandled = 0;
const onUnhandled = () => {
  unhandled++;
};
let exits = 0;

function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function event(opts: {
  body: Buffer | string;
  headers: Record<string, string>;
  base64?: boolean;
  method?: string;
  v2?: boolean;
}) {
  const body = opts.base64 ? Buffer.from(opts.body).toString('base64') : Buffer.from(opts.body).toString('utf8');
  if (opts.v2) {
    return {
      version: '2.0',
      rawPath: '/webhook',
      headers: opts.headers,
      body,
      isBase64Encoded: !!opts.base64,
      requestContext: { http: { method: opts.method ?? 'POST' } },
    };
  }
  return {
    httpMethod: opts.method ?? 'POST',
    path: '/webhook',
    headers: opts.headers,
    body,
    isBase64Encoded: !!opts.base64,
  };
}

/** Good config: `defaults: comment: false`, so a probe issue labeled *without* a comment proves it is still in force. */
const GOOD_CONFIG = 'salt: adversarial\ndefaults:\n  comment: false\n';

describe('bad input', () => {
  let h: Harness;
  let deliveryN = 0;
  let probeN = 0;

  /** Calls the handler the way API Gateway would; a thrown error or 5xx counts as a crash. */
  const call = async (ev: unknown): Promise<HttpResult> => {
    figures.add('bad_inputs_tried');
    try {
      const res = await h.handlers[deliveryN++ % 2]!(ev);
      if (res.statusCode >= 500) figures.add('crashes');
      return res;
    } catch (err) {
      figures.add('crashes');
      throw err;
    }
  };
  const signed = (name: string, body: Buffer | string, extra: Record<string, string> = {}) => ({
    'X-GitHub-Event': name,
    'X-GitHub-Delivery': `fuzz-${deliveryN}`,
    'X-Hub-Signature-256': sign(h.webhookSecret, body),
    'Content-Type': 'application/json',
    ...extra,
  });

  /**
   * The operator edits the config issue; the edit is delivered to BOTH instances (each caches its own config and
   * would otherwise only see the edit after its TTL), like GitHub's one delivery plus a TTL refresh elsewhere.
   */
  const editConfig = async (body: string) => {
    const [edit] = await h.capture(() => h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body }, { user: OPERATOR }));
    for (let i = 0; i < h.handlers.length; i++) {
      const res = await h.deliver({ ...edit! }, i);
      if (res.status >= 500) figures.add('crashes');
      expect(res.status).toBe(200);
    }
    await h.gh.idle();
  };

  /** Files an issue in acme/probe and checks the last good config (silent: labels, no comment) is still in force. */
  const probeGoodConfigKept = async () => {
    const n = ++probeN;
    h.gh.createIssue('acme/probe', { title: `App crash ${n}`, body: 'crash', user: 'alice' });
    await h.gh.idle();
    const kept = h.gh.issue('acme/probe', n).labels.join() === 'bug' && h.gh.botComments('acme/probe', n).length === 0;
    if (!kept) figures.add('crashes');
    return kept;
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    // Nothing may end the process (a Lambda instance or a worker pod) on bad input.
    vi.spyOn(process, 'exit').mockImplementation((() => {
      exits++;
    }) as unknown as typeof process.exit);
    h = await startHarness({ configYaml: GOOD_CONFIG, instances: 2 });
    h.gh.createRepo('acme/probe');
    h.gh.createRepo('acme/fuzz');
    h.gh.createIssue('acme/fuzz', { title: 'App crash', body: 'crash', user: 'alice', webhook: false });
    // Both instances load the good config first.
    expect(await probeGoodConfigKept()).toBe(true);
    expect(await probeGoodConfigKept()).toBe(true);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    figures.add('crashes', unhandled + exits);
    vi.mocked(process.exit).mockRestore();
    const leaks = scanLogsIntoFigures(figures, h.secrets());
    await h.close();
    expect(leaks).toEqual([]);
    expect(unhandled).toBe(0);
    expect(exits).toBe(0);
  });

  describe('fuzzed webhook bodies with valid signatures', () => {
    const ok = (res: HttpResult) => res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500);

    it(`arbitrary JSON of any shape (${RUNS} seeded runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...EVENTS), fc.jsonValue({ maxDepth: 6 }), async (name, value) => {
          const body = JSON.stringify(value) ?? 'null';
          const res = await call(event({ body, headers: signed(name, body) }));
          return ok(res);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it(`real payloads with fields removed or replaced by wrong types (${RUNS} seeded runs)`, async () => {
      const real = h.gh.issuesPayload('acme/fuzz', 1, 'opened');
      const paths: string[][] = [];
      const walk = (o: unknown, path: string[]) => {
        if (path.length) paths.push(path);
        if (o && typeof o === 'object' && path.length < 3)
          for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
      };
      walk(real, []);
      const wrong = fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.integer(),
        fc.string(),
        fc.boolean(),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('issues', 'pull_request'),
          fc.constantFrom(...ACTIONS),
          fc.array(fc.tuple(fc.constantFrom(...paths), wrong), { minLength: 1, maxLength: 4 }),
          async (name, action, edits) => {
            const payload = structuredClone(real) as Record<string, unknown>;
            payload.action = action;
            for (const [path, value] of edits) {
              let target = payload as Record<string, unknown>;
              for (const key of path.slice(0, -1)) {
                if (!target[key] || typeof target[key] !== 'object') break;
                target = target[key] as Record<string, unknown>;
              }
              if (value === undefined) delete target[path[path.length - 1]!];
              else target[path[path.length - 1]!] = value;
            }
            const body = JSON.stringify(payload);
            return ok(await call(event({ body, headers: signed(name, body) })));
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
      // The fuzzed issue never gained a second comment or a duplicate label event.
      const issue = h.gh.issue('acme/fuzz', 1);
      expect(h.gh.botComments('acme/fuzz', 1).length).toBeLessThanOrEqual(1);
      expect(issue.events.filter((e) => e.event === 'labeled').length).toBeLessThanOrEqual(issue.labels.length);
    });

    it('invalid UTF-8 and random bytes, raw and base64-encoded, v1 and v2 events (signed over the exact bytes)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 256 }),
          fc.boolean(),
          fc.boolean(),
          async (bytes, base64, v2) => {
            const body = Buffer.from(bytes);
            return ok(await call(event({ body, base64, v2, headers: signed('issues', body) })));
          },
        ),
        { seed: SEED, numRuns: 100 },
      );
      for (const raw of [
        Buffer.from([0xff, 0xfe, 0xfd]),
        Buffer.from('{"action":"opened","x":"\ud800"}'),
        Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
      ]) {
        expect(ok(await call(event({ body: raw, base64: true, headers: signed('issues', raw) })))).toBe(true);
      }
    });

    it('deep nesting (10,000 levels of arrays and of objects) and huge bodies (5 MB title, 26 MB body)', async () => {
      const deepArray = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      for (const body of [deepArray, deepObject]) {
        const res = await call(event({ body, headers: signed('issues', body) }));
        expect(ok(res)).toBe(true);
      }
      const payload = h.gh.issuesPayload('acme/fuzz', 1, 'opened');
      (payload.issue as Record<string, unknown>).title = 'x'.repeat(5 * 1024 * 1024);
      const big = JSON.stringify(payload);
      expect(ok(await call(event({ body: big, headers: signed('issues', big) })))).toBe(true);
      const huge = `{"pad":"${'y'.repeat(26 * 1024 * 1024)}"}`;
      const res = await call(event({ body: huge, headers: signed('issues', huge) }));
      expect(res.statusCode).toBe(413);
    });

    it('malformed envelopes: not an object, no method, GET, missing headers, unknown event', async () => {
      const body = '{}';
      const cases: [unknown, number][] = [
        [null, 400],
        ['a string', 400],
        [{}, 400],
        [event({ body, method: 'GET', headers: signed('issues', body) }), 405],
        [event({ body, headers: { 'X-Hub-Signature-256': sign(h.webhookSecret, body) } }), 400],
        [{ httpMethod: 'POST', headers: null, body: null }, 401],
        [event({ body, headers: signed('definitely_not_an_event', body) }), 200],
      ];
      for (const [ev, status] of cases) expect((await call(ev)).statusCode).toBe(status);
    });
  });

  describe('signatures', () => {
    it('missing, wrong, truncated, sha1-only, other secret, other body: 401, and nothing is done', async () => {
      const payload = h.gh.issuesPayload('acme/fuzz', 1, 'reopened');
      const body = JSON.stringify(payload);
      const good = sign(h.webhookSecret, body);
      const flipLast = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
      const writesBefore = h.writes('acme/fuzz');
      const requestsBefore = h.gh.counters.snapshot().total;
      const bad: Record<string, string | undefined> = {
        missing: undefined,
        empty: '',
        'last hex digit changed': flipLast,
        truncated: good.slice(0, 40),
        'no prefix': good.slice('sha256='.length),
        'sha1 prefix': `sha1=${good.slice('sha256='.length)}`,
        'wrong secret': sign('not-the-secret', body),
        'signature of another body': sign(h.webhookSecret, `${body} `),
        'non-hex': `sha256=${'z'.repeat(64)}`,
        'too long': `${good}00`,
      };
      for (const [what, sig] of Object.entries(bad)) {
        const headers: Record<string, string> = {
          'X-GitHub-Event': 'issues',
          'X-GitHub-Delivery': `sig-${what}`,
          'Content-Type': 'application/json',
        };
        if (sig !== undefined) headers['X-Hub-Signature-256'] = sig;
        const res = await call(event({ body, headers }));
        expect({ what, status: res.statusCode }).toEqual({ what, status: 401 });
      }
      // A valid signature replayed on a modified body (an attacker editing a captured delivery).
      const tampered = body.replace('"reopened"', '"opened"');
      expect(
        (
          await call(
            event({
              body: tampered,
              headers: { 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': 'replay-1', 'X-Hub-Signature-256': good },
            }),
          )
        ).statusCode,
      ).toBe(401);
      // Nothing reached GitHub.
      expect(h.gh.counters.snapshot().total).toBe(requestsBefore);
      expect(h.writes('acme/fuzz')).toBe(writesBefore);
    });

    it('an exact replay of a captured delivery (same GUID, body and signature) is harmless: 200 and no writes', async () => {
      h.gh.createIssue('acme/fuzz', { title: 'Please add dark mode', body: 'please add', user: 'alice' });
      await h.gh.idle();
      const original = h.gh.webhooks.deliveries.find(
        (d) => d.event === 'issues' && d.action === 'opened' && d.issue === 'acme/fuzz#2',
      )!;
      const writes = h.writes('acme/fuzz', 2);
      for (let i = 0; i < 5; i++) {
        figures.add('bad_inputs_tried');
        expect((await h.deliver({ ...original }, i % 2)).status).toBe(200);
      }
      await h.gh.idle();
      expect(h.writes('acme/fuzz', 2)).toBe(writes);
    });
  });

  describe('hostile config issues (edited by the operator, who has write access)', () => {
    const bomb = [
      'salt: bomb',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    const hostile: [string, string, RegExp][] = [
      ['yaml bomb (anchors and aliases)', configBody(bomb), /alias|invalid YAML/i],
      ['huge body (70,000 characters)', configBody(`salt: huge\n# ${'x'.repeat(70_000)}`), /longer than/],
      [
        'huge block (60,000 keys worth of YAML)',
        configBody(
          `salt: huge\nrollout:\n${Array.from({ length: 3000 }, (_, i) => `  acme/r${i}: 0.${i % 10}`).join('\n')}\nrollouts: typo`,
        ),
        /rollouts|longer than/,
      ],
      ['salt of the wrong type', configBody('salt: [1, 2]\n'), /salt/],
      ['rollout of the wrong type', configBody('salt: s\nrollout: "everything"\n'), /rollout/],
      ['ratio as a string', configBody('salt: s\nrollout:\n  acme/probe: "half"\n'), /rollout/],
      ['ratio above 1', configBody('salt: s\nrollout:\n  acme/probe: 1.5\n'), /rollout/],
      ['negative ratio', configBody('salt: s\nrollout:\n  acme/probe: -0.1\n'), /rollout/],
      ['NaN ratio', configBody('salt: s\nrollout:\n  acme/probe: .nan\n'), /rollout/],
      ['infinite ratio', configBody('salt: s\nrollout:\n  acme/probe: .inf\n'), /rollout/],
      ['unknown top-level key (typo)', configBody('salt: s\nrolout:\n  acme/probe: 1\n'), /rolout/],
      ['unknown nested key', configBody('salt: s\nrollout:\n  acme/probe: { ratio: 1, mood: happy }\n'), /mood/],
      [
        'repo key with path traversal',
        configBody('salt: s\nrollout:\n  "../../etc/passwd": 1\n'),
        /Invalid key|owner\/repo/,
      ],
      [
        'prototype pollution keys',
        configBody('salt: s\n__proto__:\n  polluted: true\nconstructor:\n  prototype:\n    polluted: true\n'),
        /__proto__|constructor|Unrecognized/i,
      ],
      ['duplicate keys', configBody('salt: s\nsalt: t\n'), /unique|duplicate/i],
      ['two yaml blocks', `${configBody('salt: a')}\n${configBody('salt: b')}`, /blocks/],
      ['no yaml block', 'just prose, no config at all', /no .{3}yaml block/],
      ['unclosed block', 'text\n```yaml\nsalt: s\n', /not closed/],
      ['not a mapping', configBody('- a\n- b'), /mapping/],
      [
        'YAML tags and binary',
        configBody('salt: !!binary aGVsbG8=\nrollout: !!set { a, b }\n'),
        /salt|rollout|invalid/i,
      ],
    ];

    for (const [name, body, reported] of hostile) {
      it(`${name}: rejected with a reason in the one status comment; the last good config stays`, async () => {
        await editConfig(body);
        figures.add('bad_inputs_tried');
        expect(h.gh.webhooks.deliveries.filter((d) => d.status !== 200)).toEqual([]);
        const status = h.gh.botComments(CONFIG_REPO, CONFIG_ISSUE);
        expect(status).toHaveLength(1);
        expect(status[0]!.body).toContain('the last edit is invalid');
        expect(status[0]!.body).toMatch(reported);
        expect(await probeGoodConfigKept()).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    }

    it('handles with injection attempts: warned about inside code spans (no mention, no markup), the rest of the entry works', async () => {
      const evil = [
        '@alice; rm -rf /',
        '@bob<script>alert(1)</script>',
        '@../../etc/passwd',
        '@carol](https://evil.example)',
        '@dave\n@mallory',
        '@`whoami`',
        '@e'.padEnd(80, 'e'),
      ];
      const yaml = `${GOOD_CONFIG}repos:\n  acme/probe:\n    cc:\n      bug: ${JSON.stringify(['@alice', ...evil])}\n`;
      await editConfig(configBody(yaml));
      figures.add('bad_inputs_tried', evil.length);
      const status = h.gh.botComments(CONFIG_REPO, CONFIG_ISSUE);
      expect(status).toHaveLength(1);
      const text = status[0]!.body;
      expect(text).toContain('with warnings');
      // Outside code spans nothing user-controlled survives: no @mention of the injected names, no HTML, no link.
      const outside = text.replace(/`[^`\n]*`/g, '');
      expect(outside).not.toMatch(/@(mallory|carol|bob|dave|e{5})|<script|\]\(https?:/);
      // The valid handle still works: a bug-labeled probe issue cc's only @alice.
      h.gh.createIssue('acme/probe', { title: 'App crash with cc', body: 'crash', user: 'erin' });
      await h.gh.idle();
      probeN++;
      const body = h.gh.issue('acme/probe', probeN).body ?? '';
      expect(body).toMatch(/cc @alice\b/);
      expect(body).not.toMatch(/mallory|rm -rf|<script|evil\.example|etc\/passwd|whoami/);
    });

    it('hostile per-repo .github/issue_label_bot.yaml files: the issue is still labeled once, the webhook answers 200', async () => {
      const files: [string, string][] = [
        [
          'bomb',
          `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
        ],
        ['huge', `comment: true\n# ${'x'.repeat(40_000)}\n`],
        ['types', 'comment: "sometimes"\nmin-confidence: 7\nlabel-alias: [1, 2]\npredicted-labels: bug\n'],
        ['unknown', 'coment: false\nlabel-alias:\n  bug: kind/bug\n'],
        ['binary', '\u0000\u0001\u0002 not yaml: [\n'],
        ['proto', '__proto__:\n  polluted: true\nlabel-alias:\n  __proto__: polluted\n'],
      ];
      for (const [name, text] of files) {
        const repo = `acme/file-${name}`;
        h.gh.createRepo(repo, { files: { '.github/issue_label_bot.yaml': text } });
        h.gh.createIssue(repo, { title: 'App crash', body: 'crash', user: 'alice' });
        await h.gh.idle();
        figures.add('bad_inputs_tried');
        expect(h.gh.webhooks.deliveries.filter((d) => d.status !== 200)).toEqual([]);
        const issue = h.gh.issue(repo, 1);
        expect({ name, labeled: issue.labels.length > 0 }).toEqual({ name, labeled: true });
        expect(issue.events.filter((e) => e.event === 'labeled')).toHaveLength(issue.labels.length);
        expect(h.gh.botComments(repo, 1).length).toBeLessThanOrEqual(1);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it(`fuzzed config bodies never throw out of the parser (${RUNS} seeded runs)`, () => {
      const yamlish = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc
          .array(
            fc.constantFrom(
              'salt: s',
              'rollout:',
              '  acme/x: 0.5',
              '  a/*: 2',
              '&a [1]',
              '*a',
              '<<: *a',
              '- x',
              '? k',
              '!!str',
              '{',
              '}',
              '"',
              '\t',
              'repos:',
              '  o/r:',
              '    cc: "@x"',
            ),
            { maxLength: 12 },
          )
          .map((l) => l.join('\n')),
      );
      fc.assert(
        fc.property(yamlish, (text) => {
          figures.add('bad_inputs_tried');
          const result = parseGlobalConfig(configBody(text));
          if (result.ok)
            return (
              typeof result.value.salt === 'string' &&
              Object.values(result.value.rollout).every((r) => r.ratio >= 0 && r.ratio <= 1)
            );
          return result.errors.length > 0;
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it('a valid edit afterwards is applied again (the store was never wedged)', async () => {
      await editConfig(configBody('salt: adversarial\n'));
      expect(h.gh.botComments(CONFIG_REPO, CONFIG_ISSUE)[0]!.body).toContain('valid.');
      // comment: false is gone now: a probe issue gets its comment.
      h.gh.createIssue('acme/probe', { title: 'App crash again', body: 'crash', user: 'alice' });
      await h.gh.idle();
      probeN++;
      expect(h.gh.botComments('acme/probe', probeN)).toHaveLength(1);
      expect(captured.length).toBeGreaterThan(0);
    });
  });
});
