/**
 * New issues for `retrain` tests, after onboard-repo.ts's history: their wording drifts (templates the onboarded model
 * never saw), the bot labels most of them with the old model's guesses, and humans label or correct some.
 */
import { seededRandom } from '../../src/seeded-random';
import type { GitHubStandIn } from '../support/github-stand-in';
import { REPO } from './onboard-repo';

export const BOT = 'label-bot[bot]';
const KINDS = ['bug', 'feature', 'question'] as const;
type Kind = (typeof KINDS)[number];

const things = ['exporter', 'dashboard', 'parser', 'uploader', 'settings page', 'search box', 'cache', 'sync job'];
const drifted: Record<Kind, string[]> = {
  bug: [
    '{t} segfaults under load',
    'Memory leak in the {t}',
    '{t} hangs forever after resume',
    'Deadlock between the {t} and the worker',
    '{t} corrupts data silently',
  ],
  feature: [
    'Proposal: webhooks for the {t}',
    'Would love batch mode in the {t}',
    'Roadmap idea: themes for the {t}',
    'It would be nice if the {t} had undo',
    'Enhancement: keyboard navigation in the {t}',
  ],
  question: [
    'Can someone explain the {t} behaviour?',
    'Docs unclear on the {t} limits',
    'Where is the {t} documented?',
    'Clarification needed on the {t} defaults',
    'Help understanding the {t} logs',
  ],
};

export interface NewIssuesCounts {
  humanOnly: number;
  corrected: number;
  confirmed: number;
  unconfirmed: number;
}

/**
 * `count` new issues in drifted wording. Of every 10: 3 labeled by a human only; 7 labeled by the bot with its guess
 * (right about half the time), of which a wrong guess is corrected by a maintainer (bot label removed, right one
 * added) 4 times in 5 and a right guess confirmed (the maintainer adds `good first issue` and leaves it) 1 time in 2;
 * the rest stay as the bot left them. `shuffle`: the humans' labels are random (data made worse on purpose).
 */
export function seedNewIssues(standIn: GitHubStandIn, seed: number, count: number, shuffle = false): NewIssuesCounts {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const counts: NewIssuesCounts = { humanOnly: 0, corrected: 0, confirmed: 0, unconfirmed: 0 };
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % 3]!;
    const truth = shuffle ? pick(KINDS) : kind;
    const title = pick(drifted[kind]).replace('{t}', pick(things));
    const issue = standIn.createIssue(REPO, {
      title,
      body: `Seen in build ${seed}-${i}.`,
      user: 'carol',
      webhook: false,
    });
    const n = issue.number;
    if (i % 10 < 3) {
      standIn.addLabels(REPO, n, [truth], { user: 'maintainer', webhook: false });
      counts.humanOnly++;
      continue;
    }
    const guess = rnd() < 0.5 ? truth : pick(KINDS.filter((k) => k !== truth));
    standIn.addLabels(REPO, n, [guess], { user: BOT, webhook: false });
    if (guess !== truth && rnd() < 0.8) {
      standIn.removeLabel(REPO, n, guess, { user: 'maintainer', webhook: false });
      standIn.addLabels(REPO, n, [truth], { user: 'maintainer', webhook: false });
      counts.corrected++;
    } else if (guess === truth && rnd() < 0.5) {
      standIn.addLabels(REPO, n, ['good first issue'], { user: 'maintainer', webhook: false });
      counts.confirmed++;
    } else counts.unconfirmed++;
  }
  return counts;
}
