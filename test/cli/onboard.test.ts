/**
 * `label-bot onboard` end to end through the real bin: a repo with a few hundred issues in the GitHub stand-in
 * (human labels, workflow labels, labels applied by the bot) → classes, newest-issues measurement, a model published
 * to the GCS stand-in, the shadow-mode config line; a resumed download; a refusal under the precision rule.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobalConfig } from '../../src/config/global-config';
import { GcsModelStore, publishModel } from '../../src/registry';
import { keywordModelDir } from '../gcp-worker/harness';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { cliAsync, FAST_FLAGS } from './helpers';
import { REPO, seed } from './onboard-repo';

const BUCKET = 'onboard-models';
const SCOPE = { kind: 'repo', owner: 'acme', repo: 'widgets' } as const;

describe('label-bot onboard (GitHub and GCS stand-ins, real bin)', () => {
  let github: GitHubStandIn;
  let gcs: GcsStandIn;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const store = () => new GcsModelStore(new Storage({ apiEndpoint: gcs.endpoint }), BUCKET);
  const run = (args: string[]) => cliAsync(['onboard', REPO, '--work-dir', dir, ...FAST_FLAGS, ...args], { env });

  beforeAll(async () => {
    github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    gcs = await startGcsStandIn({ buckets: [BUCKET] });
    github.createRepo(REPO);
    seed(github, 1, 240);
    dir = mkdtempSync(join(tmpdir(), 'onboard-'));
    env = {
      GITHUB_TOKEN: 'onboard-test-token',
      GITHUB_API_URL: github.url,
      STORAGE_API_ENDPOINT: gcs.endpoint,
      LABEL_BOT_BUCKET: BUCKET,
      LABEL_BOT_LOGIN: 'label-bot[bot]',
    };
  });
  afterAll(async () => {
    await github?.close();
    await gcs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chooses the classes without workflow or bot labels, measures on the newest 20 %, publishes, prints the shadow line', async () => {
    const r = await run(['--bucket', BUCKET]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${REPO}: 240 issues (240 fetched now, 0 from an earlier run)`);
    expect(r.stdout).toMatch(
      /^classes: (bug|feature|question) \d+, (bug|feature|question) \d+, (bug|feature|question) \d+ \(240 issues\)$/m,
    );
    expect(r.stdout).toMatch(/^left out: good first issue 34 \(workflow\)$/m);
    expect(r.stdout).toMatch(/^bot-applied labels \(never trained on\): .*triaged 60/m);
    expect(r.stdout).toContain('trained on the 192 older issues, scored on the newest 48');
    expect(r.stdout).toMatch(/^label\s+precision\s+coverage\s+recall\s+issues$/m);
    expect(r.stdout).toMatch(/^bug\s+\d\.\d\d\s+\d+ %\s+\d\.\d\d\s+\d+$/m);
    expect(r.stdout).toMatch(/^published acme\/widgets \S+ → gs:\/\/onboard-models\//m);
    expect(r.stdout).toContain(`\n  ${REPO}: { ratio: 1, mode: shadow }\n`);
    // Progress on the long steps, on stderr.
    expect(r.stderr).toMatch(/^fetching issues: 240/m);
    expect(r.stderr).toMatch(/^training on the older issues: /m);
    expect(r.stderr).toMatch(/^training on all issues: /m);

    const pointer = await store().readPointer(SCOPE);
    expect(pointer).not.toBeNull();
    const card = (await store().readModelJson(SCOPE, pointer!.pointer.version)) as { labels: string[] };
    expect(card.labels).toEqual(['bug', 'feature', 'question']);
    // Downloaded rows keep fetch-issues' contract; the bot's labels are set apart.
    const rows = readFileSync(join(dir, 'issues.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[3]).toMatchObject({
      repo: REPO,
      number: 4,
      labels: ['feature'],
      bot_labels: ['triaged'],
      state: 'open',
    });
    expect(typeof rows[0]!.created_at).toBe('string');
    // The printed line is valid in the config issue's rollout block.
    const cfg = parseGlobalConfig('```yaml\nsalt: x\nrollout:\n  ' + `${REPO}: { ratio: 1, mode: shadow }\n` + '```\n');
    expect(cfg.ok).toBe(true);
  });

  it('resumes an interrupted download and fetches only newer issues; --no-publish leaves the pointer alone', async () => {
    const file = join(dir, 'issues.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, lines.slice(0, 200).join('\n') + '\n{"repo":"acme/wid'); // killed mid-line
    seed(github, 241, 12);
    const before = (await store().readPointer(SCOPE))!.pointer.version;
    const r = await run(['--no-publish', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      issues: Record<string, number>;
      decision: { published: boolean; reason: string };
      shadowLine: string;
    };
    expect(j.issues).toEqual({ total: 252, resumed: 200, fetched: 52 });
    expect(j.decision).toEqual({ published: false, reason: '--no-publish' });
    expect(j.shadowLine).toBe(`${REPO}: { ratio: 1, mode: shadow }`);
    expect((await store().readPointer(SCOPE))!.pointer.version).toBe(before);
  });

  it('refuses to publish below --min-precision (exit 2, pointer unchanged)', async () => {
    const before = (await store().readPointer(SCOPE))!.pointer.version;
    const r = await run(['--min-precision', '0.99']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      /^not published: precision 0\.\d+ on the newest issues is below the rule's 0\.99 \(--min-precision\)$/m,
    );
    expect(r.stdout).not.toContain('mode: shadow');
    expect((await store().readPointer(SCOPE))!.pointer.version).toBe(before);
  });

  it('--exclude and --labels choose the classes; too few classes is an error before training', async () => {
    const r = await run(['--no-publish', '--json', '--exclude', 'Question']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      choice: { classes: { label: string }[]; excluded: { label: string; why: string }[] };
    };
    expect(j.choice.classes.map((c) => c.label).sort()).toEqual(['bug', 'feature']);
    expect(j.choice.excluded.map((e) => `${e.label} ${e.why}`).sort()).toEqual([
      'good first issue workflow',
      'question excluded',
    ]);

    const kept = await run(['--no-publish', '--json', '--labels', 'bug,good first issue']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(
      (JSON.parse(kept.stdout) as { choice: { classes: { label: string }[] } }).choice.classes
        .map((c) => c.label)
        .sort(),
    ).toEqual(['bug', 'good first issue']);

    const one = await run(['--no-publish', '--labels', 'bug,feature', '--exclude', 'feature']);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/give 1 usable label\(s\) \("bug" \(\d+\)\); a classifier needs at least 2/);
  });

  it('the guard has the last word: a current model it cannot score on the newest issues is not replaced blind (exit 2)', async () => {
    const better = await publishModel({
      store: store(),
      scope: SCOPE,
      dir: keywordModelDir({ bug: 'crash' }, 0.999),
      force: true,
    });
    const r = await run([]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      /^not published: the registry refused it: current \S+ cannot be scored on the newest issues \(.*\); replacing it takes `label-bot publish --force`$/m,
    );
    expect((await store().readPointer(SCOPE))!.pointer.version).toBe(better.version);
  });
});
