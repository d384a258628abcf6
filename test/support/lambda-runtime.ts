/**
 * The production Lambda runtime pointed at a GitHub stand-in: the environment a deployed function reads (app id,
 * key, webhook secret, API URL) and the shipped Octokit, labeling with the keyword classifier.
 */
import { createRuntime } from '../../src/lambda/runtime';
import { KeywordClassifier } from './fake-classifier';
import type { GitHubStandIn } from './github-stand-in';
import { testPrivateKey } from './test-octokit';

export function standInLambdaEnv(gh: GitHubStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APP_ID: String(gh.appId),
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: gh.webhookSecret,
    GITHUB_API_URL: gh.url,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** A fresh process's handler: the shipped Octokit (no `Octokit` override), throttling and retries as in production. */
export function standInHandler(gh: GitHubStandIn, extraEnv: Record<string, string> = {}) {
  return createRuntime({
    env: standInLambdaEnv(gh, extraEnv),
    loadClassifier: async () => new KeywordClassifier('universal/stand-in'),
  }).handler;
}
