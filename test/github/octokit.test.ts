import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIssueState } from '../../src/github/issue-state';
import { appCredentialsFromEnv, createOctokitFactory } from '../../src/github/octokit';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { testPrivateKey } from '../support/test-octokit';

describe('octokit factory (worker / CLI)', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    gh.createRepo('acme/widgets', { private: true });
    gh.createIssue('acme/widgets', { title: 'Crash', body: 'trace', user: 'alice' });
  });
  afterAll(async () => {
    await gh.close();
  });

  it('reads credentials from env: escaped-newline PEM, base64 PEM, or PRIVATE_KEY_PATH; never echoes them', () => {
    const pem = testPrivateKey();
    expect(appCredentialsFromEnv({ APP_ID: '7', PRIVATE_KEY: pem.replace(/\n/g, '\\n') }).privateKey).toBe(pem);
    expect(appCredentialsFromEnv({ APP_ID: '7', PRIVATE_KEY: Buffer.from(pem).toString('base64') }).privateKey).toBe(
      pem,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fe-key-'));
    writeFileSync(join(dir, 'k.pem'), pem);
    expect(
      appCredentialsFromEnv({ APP_ID: '7', PRIVATE_KEY_PATH: join(dir, 'k.pem'), GITHUB_API_URL: 'http://x' }),
    ).toMatchObject({ appId: '7', baseUrl: 'http://x' });
    expect(() => appCredentialsFromEnv({})).toThrow('APP_ID is not set');
    let message = '';
    try {
      appCredentialsFromEnv({ APP_ID: '7', PRIVATE_KEY: 'not-a-key-SECRETVALUE' });
    } catch (err) {
      message = String((err as Error).message);
    }
    expect(message).toMatch(/PRIVATE_KEY/);
    expect(message).not.toContain('SECRETVALUE');
  });

  it('gets an installation client by repo (cached lookup) that the labeler can use', async () => {
    const factory = createOctokitFactory(
      { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
      { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
    );
    const octokit = await factory.forRepo('acme', 'widgets');
    const state = await readIssueState(octokit, { owner: 'acme', repo: 'widgets', number: 1 });
    expect(state).toMatchObject({ isPrivate: true, title: 'Crash', labels: [], botComment: null });
    await factory.forRepo('acme', 'widgets');
    expect(gh.counters.count('GET /repos/{owner}/{repo}/installation')).toBe(1);
    const byId = await factory.installation(gh.installationId('acme'));
    expect(await readIssueState(byId, { owner: 'acme', repo: 'widgets', number: 99 })).toBeNull();
  });

  it('keeps one client per installation (the worker asks for one per message) and still fetches one token', async () => {
    gh.createRepo('other/things');
    const factory = createOctokitFactory(
      { appId: String(gh.appId), privateKey: testPrivateKey(), baseUrl: gh.url },
      { octokitDefaults: { retry: { enabled: false }, throttle: { enabled: false } } },
    );
    const tokens = () => gh.counters.count('POST /app/installations/{installation_id}/access_tokens');
    const before = tokens();
    const acme = gh.installationId('acme');
    const first = await factory.installation(acme);
    expect(await factory.installation(acme)).toBe(first);
    expect(await factory.forRepo('acme', 'widgets')).toBe(first);
    const other = await factory.installation(gh.installationId('other'));
    expect(other).not.toBe(first);
    for (const client of [first, await factory.installation(acme), other]) {
      await readIssueState(client, { owner: 'acme', repo: 'widgets', number: 1 }).catch(() => null);
    }
    // One token per installation, as before: tokens live in Probot's cache, shared by every client.
    expect(tokens() - before).toBe(2);
  });
});
