/** A repo for `onboard` tests in the GitHub stand-in: human labels, workflow labels, labels the bot applied. */
import { seededRandom } from '../../src/seeded-random';
import type { GitHubStandIn } from '../support/github-stand-in';

export const REPO = 'acme/widgets';

const parts = {
  thing: [
    'exporter',
    'dashboard',
    'parser',
    'uploader',
    'settings page',
    'search box',
    'login form',
    'cache',
    'CLI',
    'sync job',
  ],
  bug: [
    '{t} crashes on start',
    'Error when the {t} saves',
    '{t} fails with a stack trace',
    'Regression: {t} broken since 2.3',
    '{t} throws an exception',
  ],
  feature: [
    'Add dark mode to the {t}',
    'Feature request: export from the {t}',
    'Support plugins in the {t}',
    'Please add a shortcut for the {t}',
    'Allow configuring the {t}',
  ],
  question: [
    'How do I configure the {t}?',
    'Is it possible to script the {t}?',
    'What does the {t} option mean?',
    'Question about the {t} docs',
    'Why does the {t} need a restart?',
  ],
} as const;

/**
 * 240 issues, created in number order: bug / feature / question by humans (about 1 in 12 with a wrong label, so
 * precision stays below 1), `good first issue` on some, `triaged` and a wrong `question` applied by the bot.
 */
export function seed(standIn: GitHubStandIn, from: number, count: number, repo: string = REPO): void {
  const rnd = seededRandom(from);
  const kinds = ['bug', 'feature', 'question'] as const;
  for (let i = from; i < from + count; i++) {
    const kind = kinds[i % 3]!;
    const templates = parts[kind];
    const title = templates[Math.floor(rnd() * templates.length)]!.replace(
      '{t}',
      parts.thing[Math.floor(rnd() * parts.thing.length)]!,
    );
    const label = rnd() < 0.08 ? kinds[(i + 1) % 3]! : kind;
    const labels = [label, ...(i % 7 === 0 ? ['good first issue'] : [])];
    const issue = standIn.createIssue(repo, {
      title,
      body: `Details for issue ${i}.`,
      user: 'alice',
      labels,
      webhook: false,
    });
    if (i % 4 === 0) standIn.addLabels(repo, issue.number, ['triaged'], { user: 'label-bot[bot]', webhook: false });
    if (kind === 'bug' && i % 5 === 0)
      standIn.addLabels(repo, issue.number, ['question'], { user: 'label-bot[bot]', webhook: false });
  }
}
