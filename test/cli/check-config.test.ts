import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { cli, ROOT } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'check-config-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const template = readFileSync(join(ROOT, 'config-issue.md'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('label-bot check-config', () => {
  it('config-issue.md (the template) is valid: exit 0', () => {
    const r = cli(['check-config', 'config-issue.md']);
    expect(r.stderr).toContain('config-issue.md: config-issue valid');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('a broken copy exits 1 with file:line and the reason, for each error', () => {
    const broken = template
      .replace('your-org/big-repo: 0.1', 'your-org/big-repo: 7')
      .replace('mode: tag ', 'mode: tagz');
    const file = write('broken.md', broken);
    const r = cli(['check-config', file]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${file}:${lineOf(broken, 'big-repo: 7')}: error: rollout.your-org/big-repo: Too big: expected number to be <=1`,
      `${file}:${lineOf(broken, 'mode: tagz')}: error: repos.your-org/big-repo.ciflow.mode: Invalid option: expected one of "tag"|"repository_dispatch"`,
    ]);
  });

  it('checks a repo file (by its name) and a tracking issue (--kind), warnings keep exit 0', () => {
    const ilb = cli(['check-config', 'test/fixtures/ilb/issue_label_bot.yaml']);
    expect(ilb.status).toBe(0);
    expect(ilb.stderr).toContain('repo-file valid');
    const repoFile = write('issue_label_bot.yaml', 'label-alias:\n  kind/bug: x\ncoment: false\n');
    const warned = cli(['check-config', repoFile]);
    expect(warned.status).toBe(0);
    expect(warned.stdout).toContain(
      `${repoFile}:2: warning: label-alias.kind/bug: the model never predicts "kind/bug"`,
    );
    expect(warned.stdout).toContain(`${repoFile}:3: warning: unknown key "coment" ignored`);
    const tracking = write(
      'tracking.md',
      'Subscriptions\n\n* bug @alice\n\n```yaml\nlabel-rules:\n  - any: [a]\n```\n',
    );
    const bad = cli(['check-config', '--kind', 'tracking-issue', tracking]);
    expect(bad.status).toBe(1);
    expect(bad.stdout.trim()).toBe(
      `${tracking}:7: error: yaml block: label-rules.0.then: Invalid input: expected array, received undefined`,
    );
  });
});

describe('label-bot check-config owner/repo#N', () => {
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
    gh.createRepo('acme/ops');
    gh.createIssue('acme/ops', {
      title: 'config',
      body: template.replace('salt: "change-me-once"', 'salt: ""'),
      number: 3,
      webhook: false,
    });
  });
  afterAll(async () => {
    await gh.close();
  });

  it('reads the issue body through the API and reports against it', async () => {
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/label-bot.mjs'), 'check-config', 'acme/ops#3'], {
        cwd: ROOT,
        env: { ...process.env, GITHUB_TOKEN: 'stand-in-token', GITHUB_API_URL: gh.url, LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (status) => resolve({ status, stdout }));
    });
    expect(r.stdout.trim()).toBe(
      `acme/ops#3:${lineOf(template, 'salt: "change-me-once"')}: error: salt: salt must be a non-empty string`,
    );
    expect(r.status).toBe(1);
  });
});
