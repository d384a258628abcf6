/**
 * 3. Races (issue #19), each through the production stack against the GitHub stand-in with throttling and retries as
 * shipped:
 * - ten parallel events into one fresh process, right after start-up and again after the installation token expired,
 *   across one and ten installations: every issue labeled (the shared throttle slot used to deadlock at ten);
 * - a comment write GitHub commits after the caller's deadline, on both routes: never retried blind, one creation,
 *   and the redelivery finds it;
 * - ten racing deliveries of one new issue to ten separate processes (Lambda runtimes, worker instances: nothing
 *   shared in memory), with seeded latency on every call so they overlap: right labels and one comment at the end,
 *   and the comment CREATIONS the stand-in counted (each one notifies the issue's subscribers).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { processMessage } from '../../gcp-worker/src/process-message';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import {
  countCommentCreations,
  forwardedMessage,
  lambdaRacer,
  overlappingLatency,
  workerInstance,
  workerRacer,
  type Racer,
} from '../support/racing-processes';
import { testPrivateKey } from '../support/test-octokit';
import { Figures } from './figures';
import { pemNeedles, scanLogsIntoFigures } from './log-capture';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const figures = new Figures('races');
const secrets: string[] = pemNeedles(testPrivateKey());
const RACERS = 10;
const TRIALS = 3;

let gh: GitHubStandIn;
let creations: (repo: string, number: number) => number;

beforeEach(async () => {
  gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  secrets.push(gh.webhookSecret);
  creations = countCommentCreations(gh);
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await gh.close();
});
afterAll(() => {
  const leaks = scanLogsIntoFigures(figures, secrets);
  expect(leaks).toEqual([]);
});

function file(repo: string, number: number): void {
  gh.createIssue(repo, {
    title: `App crash ${number}`,
    body: 'It crashes on start',
    user: 'alice',
    number,
    webhook: false,
  });
}

/** Scores one issue: labeled with one comment, or lost; extra comments left at the end are duplicates. */
function score(repo: string, number: number): void {
  const comments = gh.botComments(repo, number).length;
  figures.add('issues_lost', gh.issue(repo, number).labels.includes('bug') && comments >= 1 ? 0 : 1);
  figures.add('duplicates_produced', Math.max(0, comments - 1));
}

describe('ten parallel events into one process (throttling as shipped)', () => {
  const fire = async (handler: Racer, issues: { repo: string; number: number }[]) => {
    for (const i of issues) file(i.repo, i.number);
    const answers = await Promise.all(issues.map((i) => handler(i.repo, i.number)));
    figures.add('deliveries_tried', issues.length);
    figures.add('crashes', answers.filter((a) => a !== '200').length);
    expect(answers).toEqual(issues.map(() => '200'));
    for (const i of issues) score(i.repo, i.number);
    for (const i of issues) expect(gh.issue(i.repo, i.number).labels).toEqual(['bug']);
  };

  it('right after start-up and after the installation token expired, one installation', async () => {
    gh.createRepo('acme/burst');
    const handler = lambdaRacer(gh);
    await fire(
      handler,
      Array.from({ length: RACERS }, (_, k) => ({ repo: 'acme/burst', number: k + 1 })),
    );
    // An hour and a bit later: the cached token has expired (stand-in and Probot agree), ten events need one at once.
    const later = 61 * 60_000;
    const realNow = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + later);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + later);
    figures.add('faults_injected'); // the token expiry
    await fire(
      handler,
      Array.from({ length: RACERS }, (_, k) => ({ repo: 'acme/burst', number: k + 11 })),
    );
  });

  it('right after start-up, ten installations', async () => {
    const issues = Array.from({ length: RACERS }, (_, k) => ({ repo: `org${k}/burst`, number: 1 }));
    for (const i of issues) gh.createRepo(i.repo);
    await fire(lambdaRacer(gh), issues);
  });
});

describe('a comment write committed after the deadline', () => {
  beforeEach(() => {
    gh.createRepo('acme/late');
    gh.store.ensureLabel(gh.repo('acme/late'), 'bug');
    file('acme/late', 1);
    // The labels-and-comment write is answered, and committed, only after 900 ms; the caller gives up at 300 ms.
    gh.faults.add({ kind: 'latency', route: 'graphql:LabelBotApplyDecision', latencyMs: 900, times: 1 });
    figures.add('faults_injected');
  });
  const committed = async () => {
    const end = Date.now() + 5_000;
    const answered = () => gh.counters.requests().some((r) => r.fault === 'latency' && r.status === 200);
    while (!answered() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(answered()).toBe(true);
  };

  it('Lambda route: not retried blind, one creation; the redelivery reads and writes nothing', async () => {
    const deliver = lambdaRacer(gh, { GITHUB_REQUEST_TIMEOUT_MS: '300' });
    expect(await deliver('acme/late', 1)).toBe('200');
    await committed();
    expect(await deliver('acme/late', 1)).toBe('200');
    figures.add('deliveries_tried', 2);
    score('acme/late', 1);
    expect(creations('acme/late', 1)).toBe(1);
    expect(gh.botComments('acme/late', 1)).toHaveLength(1);
  });

  it('worker route: nacked, not retried blind; the redelivery finds the late comment', async () => {
    const deps = workerInstance(gh, 300);
    expect(await processMessage(forwardedMessage(gh, 'acme/late', 1), deps)).toMatchObject({ action: 'nack' });
    await committed();
    expect(await processMessage(forwardedMessage(gh, 'acme/late', 1), deps)).toMatchObject({ action: 'ack' });
    figures.add('deliveries_tried', 2);
    score('acme/late', 1);
    expect(creations('acme/late', 1)).toBe(1);
    expect(gh.botComments('acme/late', 1)).toHaveLength(1);
  });
});

describe('ten racing deliveries of one new issue to ten separate processes', () => {
  it.each([
    ['Lambda route: 10 runtimes', (g: GitHubStandIn) => lambdaRacer(g)],
    ['worker route: 10 worker instances', (g: GitHubStandIn) => workerRacer(g)],
  ])('%s: right labels, one comment at the end; creations counted', async (_name, racer) => {
    gh.createRepo('acme/race');
    gh.store.ensureLabel(gh.repo('acme/race'), 'bug');
    overlappingLatency(gh);
    for (let n = 1; n <= TRIALS; n++) {
      file('acme/race', n);
      const racers = Array.from({ length: RACERS }, () => racer(gh));
      const answers = await Promise.all(racers.map((race) => race('acme/race', n)));
      figures.add('deliveries_tried', RACERS);
      figures.add('crashes', answers.filter((a) => a !== '200' && a !== 'ack').length);
      score('acme/race', n);
      figures.add('race_issues');
      figures.add('race_comment_creations', creations('acme/race', n));
      figures.counts.race_max_comment_creations = Math.max(
        figures.counts.race_max_comment_creations ?? 0,
        creations('acme/race', n),
      );
      expect(gh.issue('acme/race', n).labels).toEqual(['bug']);
      expect(gh.botComments('acme/race', n)).toHaveLength(1);
      expect(creations('acme/race', n)).toBeLessThanOrEqual(RACERS);
    }
  });
});
