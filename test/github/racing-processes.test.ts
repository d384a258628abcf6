/**
 * Racing deliveries across processes (issue #19, item 3): ten separately built Lambda runtimes, and ten worker
 * instances, each with its own Probot/Octokit, throttle state and issue lock (nothing shared in memory, so no
 * in-process lock can serialise them), all labeling one issue at once against the GitHub stand-in. The stand-in
 * injects seeded random latency into every call so the racers truly overlap, and counts every comment it commits.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { processMessage } from '../../gcp-worker/src/process-message';
import { renderLabelsComment } from '../../src/github/bot-comment';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import {
  countCommentCreations,
  forwardedMessage,
  lambdaRacer,
  overlappingLatency,
  summarise,
  workerInstance,
  workerRacer,
  type Racer,
} from '../support/racing-processes';

const RACERS = 10;
const TRIALS = 4;
const REPO = 'acme/widgets';

let gh: GitHubStandIn;
let creations: (repo: string, number: number) => number;
/** Comment creations per issue, by scenario: reported after the suite. */
const distribution: Record<string, number[]> = {};

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  gh.createRepo(REPO);
  creations = countCommentCreations(gh);
  overlappingLatency(gh);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await gh.close();
});
afterAll(() => {
  const lines = Object.entries(distribution).map(([name, counts]) => {
    const { max, mean } = summarise(counts);
    return `${name}: creations per issue ${JSON.stringify(counts)} (max ${max}, mean ${mean.toFixed(2)})`;
  });
  console.info(`comment creations under ${RACERS} racing processes\n${lines.join('\n')}`);
});

function newIssue(number: number): void {
  gh.createIssue(REPO, { title: 'Crash on start', body: 'trace', user: 'alice', number, webhook: false });
}

const scenarios: [string, () => Racer[]][] = [
  ['10 Lambda runtimes', () => Array.from({ length: RACERS }, () => lambdaRacer(gh))],
  ['10 worker instances', () => Array.from({ length: RACERS }, () => workerRacer(gh))],
  [
    '5 Lambda runtimes and 5 worker instances',
    () => Array.from({ length: RACERS }, (_, i) => (i % 2 ? workerRacer(gh) : lambdaRacer(gh))),
  ],
];

describe('ten processes racing on one new issue', () => {
  for (const [name, build] of scenarios) {
    for (const hasLabel of [true, false]) {
      const label = hasLabel
        ? 'the repo has the label (one mutation)'
        : 'the repo lacks the label (REST, then comment)';
      it(`${name}, ${label}: right labels, one comment, creations counted`, { timeout: 60_000 }, async () => {
        if (hasLabel) gh.store.ensureLabel(gh.repo(REPO), 'bug');
        const counts: number[] = [];
        for (let trial = 1; trial <= TRIALS; trial++) {
          newIssue(trial);
          // New processes per trial: each racer builds its clients and fetches its own installation token.
          const racers = build();
          const answers = await Promise.all(racers.map((race) => race(REPO, trial)));
          expect(answers.every((a) => a === '200' || a === 'ack')).toBe(true);
          expect(gh.issue(REPO, trial).labels).toEqual(['bug']);
          expect(gh.botComments(REPO, trial)).toHaveLength(1);
          counts.push(creations(REPO, trial));
        }
        distribution[`${name}, ${label}`] = counts;
        // Each racer creates at most once (no blind retry), and only racers whose read came back before the first
        // racer's writes create at all. GitHub has no compare-and-set for a two-call labeling to decide by, so ten
        // racers whose reads all beat every write create ten: racer-in-flight.ts says why, and what the bound is.
        expect(Math.max(...counts)).toBeLessThanOrEqual(RACERS);
        expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
      });
    }
  }
});

describe('a delivery whose read catches a racer between its label and comment writes', () => {
  const racerBody = renderLabelsComment([{ label: 'bug', score: 0.9 }], 'universal/stand-in');
  const calls = () => gh.counters.snapshot().byIssue[`${REPO}#1`]?.byEndpoint;

  beforeEach(() => {
    gh.faults.clear();
    newIssue(1);
    // The racer's first write just landed: the label, by the bot, and no comment yet.
    gh.addLabels(REPO, 1, ['bug'], { user: gh.botLogin, webhook: false });
  });

  it('waits and re-reads instead of creating a second comment', { timeout: 20_000 }, async () => {
    // The racer's comment write lands 300 ms after this delivery's read.
    const racer = (async () => {
      while (!calls()) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      gh.comment(REPO, 1, racerBody, { user: gh.botLogin, webhook: false });
    })();
    expect(await lambdaRacer(gh)(REPO, 1)).toBe('200');
    await racer;
    expect(creations(REPO, 1)).toBe(1); // the racer's
    expect(gh.botComments(REPO, 1)).toHaveLength(1);
    expect(calls()).toEqual({ 'POST graphql:LabelBotIssueState': 2 });
  });

  it('creates the comment itself when the racer never writes it', { timeout: 20_000 }, async () => {
    const result = await processMessage(forwardedMessage(gh, REPO, 1), workerInstance(gh));
    expect(result).toMatchObject({ action: 'ack', githubCalls: 3 });
    expect(creations(REPO, 1)).toBe(1);
    expect(gh.botComments(REPO, 1)).toHaveLength(1);
    expect(calls()).toEqual({ 'POST graphql:LabelBotIssueState': 2, 'POST graphql:LabelBotAddComment': 1 });
  });

  it('a bot label added long ago is no racer: the comment is created at once', { timeout: 20_000 }, async () => {
    const later = Date.now() + 60_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(later);
    try {
      const result = await processMessage(forwardedMessage(gh, REPO, 1), workerInstance(gh));
      expect(result).toMatchObject({ action: 'ack', githubCalls: 2 });
    } finally {
      vi.useRealTimers();
    }
    expect(creations(REPO, 1)).toBe(1);
  });
});
