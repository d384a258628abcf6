/**
 * 1. Delivery: every webhook type the frontend handles, delivered 1, 2, 3 and 10 times, sequentially and in
 * parallel, alternating between two separately constructed handler instances, must end in the same GitHub state as
 * a single delivery: same labels, same refs, at most one bot comment, and (sequentially) no write after the first.
 * The deliveries are the stand-in's own signed webhooks, captured at the moment GitHub would send them. Every
 * scenario uses a fresh repo so its issue/PR is #1 and snapshots compare byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebhookDelivery } from '../support/github-stand-in';
import { Figures } from './figures';
import { configBody, CONFIG_ISSUE, CONFIG_REPO, OPERATOR, startHarness, type Harness } from './harness';
import { scanLogsIntoFigures } from './log-capture';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const figures = new Figures('delivery');
const COUNTS = [1, 2, 3, 10] as const;
const MODES = ['sequential', 'parallel'] as const;
type Mode = (typeof MODES)[number];

interface Scenario {
  name: string;
  /** Repo kind: decides which config the repo gets. */
  kind: 'plain' | 'helped' | 'ci';
  /** Creates the subject (quietly, or delivered once as setup) and returns the captured delivery under test. */
  setup(h: Harness, repo: string): Promise<WebhookDelivery>;
  /** Where the subject lives (the config scenarios act on the operator's config issue). */
  subject?: (repo: string) => { repo: string; number: number };
}

const onlyOne = (ds: WebhookDelivery[], event: string, action: string): WebhookDelivery => {
  const found = ds.filter((d) => d.event === event && d.action === action);
  if (found.length !== 1)
    throw new Error(`expected one ${event}.${action}, captured ${ds.map((d) => `${d.event}.${d.action}`).join(', ')}`);
  return found[0]!;
};

/** Labels a PR with the ciflow label through the handlers (setup), so there is a tag to move or delete. */
async function labeledPr(h: Harness, repo: string): Promise<void> {
  h.gh.openPullRequest(repo, { title: 'Speed up the parser', user: 'alice', webhook: false });
  h.gh.addLabels(repo, 1, ['ciflow/trunk'], { user: 'maintainer' });
  await h.gh.idle();
  if (!h.gh.refs(repo)['refs/tags/ciflow/trunk/1']) throw new Error('setup: ciflow tag was not created');
}

let configEdits = 0;
const SCENARIOS: Scenario[] = [
  {
    name: 'issues.opened',
    kind: 'plain',
    setup: async (h, repo) =>
      onlyOne(
        await h.capture(
          () => void h.gh.createIssue(repo, { title: 'App crash on start', body: 'It crashes', user: 'alice' }),
        ),
        'issues',
        'opened',
      ),
  },
  {
    name: 'issues.reopened',
    kind: 'plain',
    setup: async (h, repo) => {
      h.gh.createIssue(repo, { title: 'Please add dark mode', body: 'would be nice', user: 'alice', webhook: false });
      h.gh.editIssue(repo, 1, { state: 'closed' }, { user: 'alice', webhook: false });
      return onlyOne(
        await h.capture(() => h.gh.editIssue(repo, 1, { state: 'open' }, { user: 'alice' })),
        'issues',
        'reopened',
      );
    },
  },
  {
    name: 'issues.edited (config issue, valid)',
    kind: 'plain',
    subject: () => ({ repo: CONFIG_REPO, number: CONFIG_ISSUE }),
    setup: async (h, repo) => {
      // The helpers' `repos:` section stays; only the rollout changes, so the other scenarios keep their config.
      const body = configBody(
        globalYaml().replace('rollout: {}', `rollout:\n  ${repo}: 0.5\n  acme/edit-${++configEdits}: 0`),
      );
      return onlyOne(
        await h.capture(() => h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body }, { user: OPERATOR })),
        'issues',
        'edited',
      );
    },
  },
  {
    name: 'issues.edited (config issue, invalid)',
    kind: 'plain',
    subject: () => ({ repo: CONFIG_REPO, number: CONFIG_ISSUE }),
    setup: async (h) => {
      // A ratio outside [0, 1] and an unknown key: rejected, the last good config (with `repos:`) stays in force.
      const body = configBody(
        `${globalYaml().replace('rollout: {}', `rollout:\n  acme/x: ${2 + ++configEdits}`)}\nunknown-key-${configEdits}: true\n`,
      );
      return onlyOne(
        await h.capture(() => h.gh.editIssue(CONFIG_REPO, CONFIG_ISSUE, { body }, { user: OPERATOR })),
        'issues',
        'edited',
      );
    },
  },
  {
    name: 'issues.labeled',
    kind: 'helped',
    setup: async (h, repo) => {
      h.gh.createIssue(repo, { title: 'Slow start', body: 'Takes a minute', user: 'alice', webhook: false });
      return onlyOne(
        await h.capture(() => h.gh.addLabels(repo, 1, ['high priority'], { user: 'maintainer' })),
        'issues',
        'labeled',
      );
    },
  },
  {
    name: 'pull_request.labeled',
    kind: 'ci',
    setup: async (h, repo) => {
      h.gh.openPullRequest(repo, { title: 'Speed up the parser', user: 'alice', webhook: false });
      return onlyOne(
        await h.capture(() => h.gh.addLabels(repo, 1, ['ciflow/trunk'], { user: 'maintainer' })),
        'pull_request',
        'labeled',
      );
    },
  },
  {
    name: 'pull_request.unlabeled',
    kind: 'ci',
    setup: async (h, repo) => {
      await labeledPr(h, repo);
      return onlyOne(
        await h.capture(() => void h.gh.removeLabel(repo, 1, 'ciflow/trunk', { user: 'maintainer' })),
        'pull_request',
        'unlabeled',
      );
    },
  },
  {
    name: 'pull_request.synchronize',
    kind: 'ci',
    setup: async (h, repo) => {
      await labeledPr(h, repo);
      return onlyOne(
        await h.capture(() => void h.gh.pushToPullRequest(repo, 1, { user: 'alice' })),
        'pull_request',
        'synchronize',
      );
    },
  },
  {
    name: 'pull_request.closed',
    kind: 'ci',
    setup: async (h, repo) => {
      await labeledPr(h, repo);
      return onlyOne(
        await h.capture(() => h.gh.editIssue(repo, 1, { state: 'closed' }, { user: 'maintainer' })),
        'pull_request',
        'closed',
      );
    },
  },
];

const repoName = (s: number, mode: Mode, count: number) => `acme/s${s}-${mode[0]}${count}`;
const KIND_OF = new Map<string, Scenario['kind']>();
SCENARIOS.forEach((sc, i) => MODES.forEach((m) => COUNTS.forEach((c) => KIND_OF.set(repoName(i, m, c), sc.kind))));

function globalYaml(): string {
  const repos = [...KIND_OF].filter(([, k]) => k !== 'plain');
  return [
    'salt: adversarial',
    'rollout: {}',
    'repos:',
    ...repos.flatMap(([repo, kind]) =>
      kind === 'helped'
        ? [
            `  ${repo}:`,
            '    cc:',
            '      high priority: "@alice @acme/triage"',
            '    label-rules:',
            '      - any: ["high priority"]',
            '        then: ["triage review"]',
          ]
        : [`  ${repo}:`, '    ciflow:', '      labels: [ciflow/trunk]'],
    ),
  ].join('\n');
}

/** What "the same GitHub state" means: labels, bot comments, body (cc line), tags and where they point. */
function snapshot(h: Harness, repo: string, number: number) {
  const issue = h.gh.issue(repo, number);
  const head = issue.isPullRequest ? (h.gh.store.requireIssue(h.gh.repo(repo), number).pull?.headSha ?? null) : null;
  const refs = repo === CONFIG_REPO ? {} : h.gh.refs(repo);
  return {
    state: issue.state,
    labels: [...issue.labels].sort(),
    // The config issue's body is the edit under test itself (it differs per scenario by construction).
    body: repo === CONFIG_REPO ? null : issue.body,
    botComments: h.gh
      .botComments(repo, number)
      .map((c) =>
        c.body.replace(/acme\/edit-\d+|acme\/s\d+-[sp]\d+|unknown-key-\d+|acme\/x: \d+|\b\d+(\.\d+)?\b/g, '…'),
      ),
    tags: Object.entries(refs)
      .filter(([k]) => k.startsWith('refs/tags/'))
      .map(([k, sha]) => `${k}@${sha === head ? 'head' : 'other'}`)
      .sort(),
    labeledEvents: issue.events.filter((e) => e.event === 'labeled').length,
  };
}

describe('duplicate and parallel deliveries across two handler instances', () => {
  let h: Harness;
  const baseline = new Map<string, ReturnType<typeof snapshot>>();
  const baselineWrites = new Map<string, number>();

  beforeAll(async () => {
    h = await startHarness({ configYaml: globalYaml(), instances: 2 });
    for (const repo of KIND_OF.keys()) h.gh.createRepo(repo);
  });
  afterAll(async () => {
    // The bot's own events came back as webhooks and never looped.
    expect([...h.gh.webhooks.loopSuspects]).toEqual([]);
    const leaks = scanLogsIntoFigures(figures, h.secrets());
    await h.close();
    expect(leaks).toEqual([]);
  });

  SCENARIOS.forEach((sc, s) => {
    describe(sc.name, () => {
      for (const mode of MODES) {
        for (const count of COUNTS) {
          // Simultaneous copies of a new issue each read "no bot comment yet": the race the labeler's comment
          // mutation must resolve (its payload lists the comments after the write). A slow issue read makes every
          // copy read before any writes, so the race happens on every run instead of depending on scheduling.
          const racy =
            mode === 'parallel' && count > 1 && (sc.name === 'issues.opened' || sc.name === 'issues.reopened');
          const title = `${count}× ${mode}`;
          const run = async () => {
            const repo = repoName(s, mode, count);
            const delivery = await sc.setup(h, repo);
            const subject = sc.subject?.(repo) ?? { repo, number: 1 };
            const writesBefore = h.writes(subject.repo, subject.repo === CONFIG_REPO ? subject.number : undefined);
            const writesNow = () =>
              h.writes(subject.repo, subject.repo === CONFIG_REPO ? subject.number : undefined) - writesBefore;
            const statuses: number[] = [];
            let writesAfterFirst = -1;
            if (mode === 'sequential') {
              for (let i = 0; i < count; i++) {
                // Same GUID, same bytes, same signature: GitHub's "Redeliver", alternating between the instances.
                statuses.push((await h.deliver({ ...delivery }, i % 2)).status);
                await h.gh.idle();
                if (i === 0) writesAfterFirst = writesNow();
              }
            } else {
              if (racy)
                h.gh.faults.add({ kind: 'latency', latencyMs: 250, route: 'graphql:LabelBotIssueState', times: count });
              const results = await Promise.all(
                Array.from({ length: count }, (_, i) => h.deliver({ ...delivery }, i % 2)),
              );
              statuses.push(...results.map((r) => r.status));
              await h.gh.idle();
              h.gh.faults.clear();
            }
            figures.add('deliveries_tried', count);
            const snap = snapshot(h, subject.repo, subject.number);
            const writes = writesNow();
            const key = sc.name;
            if (count === 1 && mode === 'sequential') {
              baseline.set(key, snap);
              baselineWrites.set(key, writes);
            }
            const base = baseline.get(key)!;
            const extraComments = Math.max(0, snap.botComments.length - Math.max(1, base.botComments.length));
            const extraLabelEvents = Math.max(0, snap.labeledEvents - base.labeledEvents);
            const extraWrites =
              mode === 'sequential' ? writes - writesAfterFirst : Math.max(0, writes - baselineWrites.get(key)!);
            const duplicates = extraComments + extraLabelEvents + (mode === 'sequential' ? extraWrites : 0);
            figures.add('duplicates_produced', duplicates);
            figures.add('crashes', statuses.filter((st) => st >= 500).length);

            expect(statuses.every((st) => st === 200)).toBe(true);
            expect(snap.botComments.length).toBeLessThanOrEqual(1);
            expect(snap).toEqual(base);
            if (mode === 'sequential')
              expect({ writesAfterFirst, writes }).toEqual({ writesAfterFirst, writes: writesAfterFirst });
          };
          it(racy ? `${title} (racing reads)` : title, run);
        }
      }
    });
  });
});
