/**
 * docs/gcp.md "Onboarding a repo" runs as written: every `npx label-bot …` line of its first sh block goes through the
 * real bin, against the GitHub stand-in (a seeded repo) and the GCS stand-in, from an empty working directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, ROOT } from '../cli/helpers';
import { REPO, seed } from '../cli/onboard-repo';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';

const PROJECT = 'docs-demo';

/** The `npx label-bot` command lines of the section's first ```sh block, comments removed. */
function documentedCommands(): string[][] {
  const md = readFileSync(join(ROOT, 'docs/gcp.md'), 'utf8');
  const section = md.slice(md.indexOf('## Onboarding a repo'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx label-bot '))
    .map((l) =>
      l
        .replace(/\$PROJECT/g, PROJECT)
        .split(/\s+/)
        .slice(2),
    );
}

describe('docs/gcp.md onboarding commands', () => {
  let github: GitHubStandIn;
  let gcs: GcsStandIn;
  let cwd: string;
  beforeAll(async () => {
    github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    gcs = await startGcsStandIn({ buckets: [`${PROJECT}-label-bot-models`] });
    github.createRepo(REPO);
    seed(github, 1, 150);
    cwd = mkdtempSync(join(tmpdir(), 'gcp-onboarding-'));
  });
  afterAll(async () => {
    await github?.close();
    await gcs?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('onboard publishes and models list shows the version, with no other setup', async () => {
    const commands = documentedCommands();
    expect(commands.map((c) => c[0])).toEqual(['onboard', 'models']);
    const env = { GITHUB_TOKEN: 'docs-token', GITHUB_API_URL: github.url, STORAGE_API_ENDPOINT: gcs.endpoint };
    const outputs: string[] = [];
    for (const args of commands) {
      const r = await cliAsync(args, { cwd, env });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      outputs.push(r.stdout);
    }
    expect(outputs[0]).toMatch(/^published acme\/widgets (\S+) → /m);
    expect(outputs[0]).toContain('  acme/widgets: { ratio: 1, mode: shadow }');
    const version = /^published acme\/widgets (\S+)/m.exec(outputs[0]!)![1]!;
    expect(outputs[1]).toMatch(new RegExp(`^\\*\\s+${version}`, 'm'));
  }, 300_000);
});
