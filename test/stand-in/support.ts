import type { Probot } from 'probot';
import { standInProbot } from '../support/test-octokit';
import { pino } from 'pino';
import { startGitHubStandIn, type GitHubStandIn, type StandInOptions } from '../support/github-stand-in';

export { TestOctokit, testPrivateKey } from '../support/test-octokit';

export function probotFor(standIn: GitHubStandIn): Probot {
  return standInProbot(standIn, { secret: standIn.webhookSecret, log: pino({ level: 'silent' }) });
}

/** An installation-authenticated Octokit obtained through Probot's real app-auth flow against the stand-in. */
export async function installationOctokit(standIn: GitHubStandIn, owner: string) {
  return probotFor(standIn).auth(standIn.installationId(owner));
}

export async function withStandIn(opts: StandInOptions = {}): Promise<GitHubStandIn> {
  return startGitHubStandIn(opts);
}
