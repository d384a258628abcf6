/**
 * The contract between the worker's shadow mode and `report --shadow-log`: the line the shared labeler logs in
 * shadow mode (the worker runs `labelIssue` with mode `shadow`) must parse as a shadow prediction, and shadow mode
 * must not write to GitHub.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelIssue } from '../../src/github/label-issue';
import { createLogger } from '../../src/log/logger';
import { parseShadowLog } from '../../src/ops/shadow-compare';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { KeywordClassifier } from './fixtures/keyword-classifier';
import { apiWrites, octokitFor, REPO, seedRepo } from './fixtures/stand-in-repo';

let standIn: GitHubStandIn;
beforeAll(async () => {
  standIn = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
  seedRepo(standIn);
  standIn.counters.reset();
});
afterAll(async () => standIn.close());

describe('shadow mode → shadow log → report', () => {
  it('writes nothing to GitHub and logs a line the report can read', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger('worker', sink);
    log.level = 'info';
    for (const number of [1, 2, 7]) {
      await labelIssue(
        octokitFor(standIn),
        { owner: 'acme', repo: 'widgets', number },
        new KeywordClassifier('acme/widgets/v9'),
        {
          mode: 'shadow',
          source: 'repo',
          log,
          logContext: { delivery_id: `d-${number}` },
        },
      );
    }
    expect(apiWrites(standIn)).toEqual([]);
    expect(standIn.issue(REPO, 1).labels).toEqual([]);

    const parsed = parseShadowLog(lines.join('\n'));
    expect(parsed.predictions.map((p) => [p.repo, p.issue, p.labels, p.modelVersion])).toEqual([
      [REPO, 1, ['bug'], 'acme/widgets/v9'],
      [REPO, 2, ['enhancement'], 'acme/widgets/v9'],
      [REPO, 7, [], 'acme/widgets/v9'],
    ]);
    expect(parsed.predictions.every((p) => typeof p.at === 'string')).toBe(true);
  });
});
