/**
 * Racers that share nothing in memory, for the cross-process race tests (test/github/racing-processes.test.ts and the
 * adversarial suite): a separately built Lambda runtime (its own Probot, Octokit, throttle state and token cache, as a
 * cold instance) or a separate worker instance (its own Octokit factory and issue lock, as another pod), each
 * labeling one issue once. Plus the stand-in's count of comment creations per issue, and latency that makes racers
 * overlap.
 */
import { vi } from 'vitest';
import { createWorkerMetrics } from '../../gcp-worker/src/metrics';
import { processMessage, type CountableClient, type ProcessDeps } from '../../gcp-worker/src/process-message';
import { KeyedLock } from '../../src/github/keyed-lock';
import { createOctokitFactory } from '../../src/github/octokit';
import { createLogger } from '../../src/log/logger';
import { forwardedIssue } from '../gcp-worker/harness';
import { KeywordClassifier } from './fake-classifier';
import type { GitHubStandIn } from './github-stand-in';
import { httpApiEvent } from './lambda-event';
import { standInHandler } from './lambda-runtime';
import { testPrivateKey } from './test-octokit';

/** Labels issue `number` of `repo` once; resolves with the HTTP status (Lambda) or the ack/nack (worker). */
export type Racer = (repo: string, number: number) => Promise<string>;

/** A fresh Lambda runtime, built lazily on its first delivery as a cold instance is. */
export function lambdaRacer(gh: GitHubStandIn, env: Record<string, string> = {}): Racer {
  const handler = standInHandler(gh, env);
  return async (repo, number) => {
    const answer = await handler(httpApiEvent(gh.buildWebhook('issues', gh.issuesPayload(repo, number))));
    return String(answer.statusCode);
  };
}

/** One worker pod's dependencies: its own Octokit factory (throttle state, token cache) and its own issue lock. */
export function workerInstance(gh: GitHubStandIn, requestTimeoutMs?: number): ProcessDeps {
  const factory = createOctokitFactory(
    { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
    { requestTimeoutMs },
  );
  return {
    registry: {
      resolve: async (owner, repo) => {
        const scope = `${owner}/${repo}`;
        return { classifier: new KeywordClassifier(`${scope}/v1`), source: 'repo', scope, version: 'v1' };
      },
    },
    installationClient: async (id) => (await factory.installation(id)) as unknown as CountableClient,
    metrics: createWorkerMetrics(() => null, false),
    log: createLogger('worker'),
    maxDeliveryAttempts: 5,
    issueLock: new KeyedLock(),
  };
}

/** The Pub/Sub message the frontend would publish for `repo#number`. */
export function forwardedMessage(gh: GitHubStandIn, repo: string, number: number) {
  const [owner, name] = repo.split('/') as [string, string];
  const m = forwardedIssue(owner, name, number, { installation_id: gh.installationId(owner) });
  return { id: m.delivery_id, data: Buffer.from(JSON.stringify(m)), attributes: { delivery_id: m.delivery_id } };
}

export function workerRacer(gh: GitHubStandIn): Racer {
  const deps = workerInstance(gh);
  return async (repo, number) => (await processMessage(forwardedMessage(gh, repo, number), deps)).action;
}

/** Every comment the stand-in commits, by `owner/repo#n`, whoever created it and whether or not it was deleted. */
export function countCommentCreations(gh: GitHubStandIn): (repo: string, number: number) => number {
  const created = new Map<string, number>();
  const create = gh.store.createComment.bind(gh.store);
  vi.spyOn(gh.store, 'createComment').mockImplementation((repo, issue, ...rest) => {
    const key = `${repo.owner.login}/${repo.name}#${issue.number}`.toLowerCase();
    created.set(key, (created.get(key) ?? 0) + 1);
    return create(repo, issue, ...rest);
  });
  return (repo, number) => created.get(`${repo}#${number}`.toLowerCase()) ?? 0;
}

/** Every GitHub call (token fetches, reads, writes) waits 0 to 280 ms, drawn per call from a seeded RNG. */
export function overlappingLatency(gh: GitHubStandIn, seed = 19): void {
  gh.faults.seed(seed);
  for (const latencyMs of [40, 80, 160]) gh.faults.add({ kind: 'latency', latencyMs, probability: 0.5 });
}

export function summarise(counts: readonly number[]): { max: number; mean: number } {
  return { max: Math.max(...counts), mean: counts.reduce((a, b) => a + b, 0) / counts.length };
}
