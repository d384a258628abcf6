import { generateKeyPairSync } from 'node:crypto';
import { Probot } from 'probot';
import { TestOctokit } from '../support/test-octokit';
import { pino } from 'pino';
import { startGitHubStandIn, type GitHubStandIn, type StandInOptions } from '../support/github-stand-in';

export { TestOctokit } from '../support/test-octokit';

let cachedKey: string | undefined;
/** Any RSA key will do: the stand-in does not verify JWT signatures, but Probot needs a real key to sign one. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return cachedKey;
}

export function probotFor(standIn: GitHubStandIn): Probot {
  return new Probot({
    appId: standIn.appId,
    privateKey: testPrivateKey(),
    secret: standIn.webhookSecret,
    baseUrl: standIn.url,
    Octokit: TestOctokit,
    log: pino({ level: 'silent' }),
  });
}

/** An installation-authenticated Octokit obtained through Probot's real app-auth flow against the stand-in. */
export async function installationOctokit(standIn: GitHubStandIn, owner: string) {
  return probotFor(standIn).auth(standIn.installationId(owner));
}

export async function withStandIn(opts: StandInOptions = {}): Promise<GitHubStandIn> {
  return startGitHubStandIn(opts);
}
