/**
 * `label-bot retrain` end to end through the real bin, on the GitHub and GCS stand-ins, run the way the CronJob runs
 * it: no flags, only CONFIG_ISSUE, LABEL_BOT_BUCKET and the app's credentials (APP_ID + PRIVATE_KEY_PATH; each repo's
 * installation looked up, the config issue living under another owner). `onboard` publishes a first model; new issues
 * in new wording arrive, the bot labels them with that model's guesses and maintainers correct some → retrain
 * publishes a model that is better on the newest issues; a batch labeled at random → retrain refuses, the pointer stays.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsModelStore, publishModel } from '../../src/registry';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { cliAsync, FAST_FLAGS } from './helpers';
import { REPO, seed } from './onboard-repo';
import { seedNewIssues } from './retrain-issues';

const BUCKET = 'retrain-models';
const SCOPE = { kind: 'repo', owner: 'acme', repo: 'widgets' } as const;
const CONFIG_REPO = 'ops-team/label-bot-config';

interface Decision {
  repo: string;
  decision: string;
  reason: string;
  current: { version: string; macroF1: number; precision: number };
  candidate: { version?: string; macroF1: number; precision: number };
  holdout: { cutoff: string; n: number };
  truth: { issues: number; rows: number; newSinceCutoff: number; skipped: Record<string, number> };
}

describe('label-bot retrain (GitHub and GCS stand-ins, real bin, CronJob environment)', () => {
  let github: GitHubStandIn;
  let gcs: GcsStandIn;
  let dir: string;
  let cronEnv: NodeJS.ProcessEnv;
  const store = () => new GcsModelStore(new Storage({ apiEndpoint: gcs.endpoint }), BUCKET);
  const pointer = async () => (await store().readPointer(SCOPE))!.pointer.version;
  const retrain = () => cliAsync(['retrain'], { env: cronEnv });
  const decisionOf = (stdout: string): Decision => {
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as Decision;
  };

  beforeAll(async () => {
    github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    gcs = await startGcsStandIn({ buckets: [BUCKET] });
    dir = mkdtempSync(join(tmpdir(), 'retrain-'));
    github.createRepo(REPO);
    seed(github, 1, 180);
    github.createRepo(CONFIG_REPO);
    github.createIssue(CONFIG_REPO, {
      title: 'label-bot configuration',
      body: '```yaml\nsalt: s\nrollout:\n  acme/widgets: { ratio: 1, mode: active, retrain: true }\n  acme/other: 0.5\n```\n',
      user: 'operator',
      webhook: false,
    });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPath = join(dir, 'app.pem');
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    cronEnv = {
      CONFIG_ISSUE: `${CONFIG_REPO}#1`,
      LABEL_BOT_BUCKET: BUCKET,
      APP_ID: String(github.appId),
      PRIVATE_KEY_PATH: keyPath,
      GITHUB_API_URL: github.url,
      STORAGE_API_ENDPOINT: gcs.endpoint,
      // The default work dir is under the OS temp dir: this test's own.
      TMPDIR: dir,
    };
  }, 60_000);
  afterAll(async () => {
    await github?.close();
    await gcs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('onboard publishes a first model without workflow or bot labels; model.json records its training cut-off', async () => {
    const work = join(dir, 'onboard');
    const r = await cliAsync(['onboard', REPO, '--work-dir', work, ...FAST_FLAGS, '--bucket', BUCKET], {
      env: {
        GITHUB_TOKEN: 'onboard-token',
        GITHUB_API_URL: github.url,
        STORAGE_API_ENDPOINT: gcs.endpoint,
        LABEL_BOT_LOGIN: 'label-bot[bot]',
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const card = (await store().readModelJson(SCOPE, await pointer())) as {
      labels: string[];
      training: { cutoff: string };
    };
    expect(card.labels).toEqual(['bug', 'feature', 'question']);
    const newest = readFileSync(join(work, 'issues.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { created_at: string }).created_at)
      .sort()
      .at(-1)!;
    expect(card.training.cutoff).toBe(new Date(newest).toISOString());
  }, 120_000);

  it('learns from the corrections: publishes a new version that beats the current one on the newest issues', async () => {
    const before = await pointer();
    const counts = seedNewIssues(github, 7, 120);
    const r = await retrain();
    expect(r.code, r.stderr).toBe(0);
    const d = decisionOf(r.stdout);
    expect(d).toMatchObject({ repo: REPO, decision: 'published', current: { version: before } });
    expect(d.candidate.version).toBe(await pointer());
    expect(d.candidate.version).not.toBe(before);
    expect(d.candidate.macroF1).toBeGreaterThan(d.current.macroF1 + 0.1);
    expect(d.candidate.precision).toBeGreaterThanOrEqual(0.7);
    // Unconfirmed bot labels are no evidence: those issues are left out; every other new issue counts.
    expect(d.truth.skipped['unconfirmed-only']).toBe(counts.unconfirmed);
    // Plus the newest onboarded issue: the stand-in stamps its creation labels a millisecond after its creation time,
    // i.e. after the cut-off, so it counts as relabeled since.
    expect(d.truth.newSinceCutoff).toBe(counts.humanOnly + counts.corrected + counts.confirmed + 1);
    expect(d.holdout.n).toBe(Math.round(d.truth.rows * 0.2));
    expect(r.stderr).toMatch(/^acme\/widgets: reading issues: \d+/m);
    expect(r.stderr).toMatch(/^acme\/widgets: training on the older issues: /m);
    expect(r.stderr).toMatch(new RegExp(`^acme/widgets: published ${d.candidate.version} replacing ${before}: `, 'm'));

    const card = readFileSync(join(dir, 'label-bot-retrain/acme__widgets/model/MODEL_CARD.md'), 'utf8');
    expect(card).toContain('## Retraining decision (`label-bot retrain`)');
    expect(card).toContain(`- Decision: **published**: ${d.reason}`);
    const published = (await store().readModelJson(SCOPE, d.candidate.version!)) as {
      labels: string[];
      training: { cutoff: string };
    };
    expect(published.labels).toEqual(['bug', 'feature', 'question']);
    expect(Date.parse(published.training.cutoff)).toBeGreaterThan(Date.parse(d.holdout.cutoff));
  }, 120_000);

  it('refuses a retrain on data made worse on purpose (new labels at random): the pointer does not move', async () => {
    const before = await pointer();
    seedNewIssues(github, 11, 150, true);
    const r = await retrain();
    expect(r.code, r.stderr).toBe(0);
    const d = decisionOf(r.stdout);
    expect(d).toMatchObject({ repo: REPO, decision: 'kept', current: { version: before } });
    // Macro-F1 alone might tie or even favour it on random labels; the precision rule does not.
    expect(d.reason).toMatch(/^precision 0\.\d+ on the newest issues is below the rule's 0\.7/);
    expect(d.candidate.version).toBeUndefined();
    expect(await pointer()).toBe(before);
    // Incremental: only the 150 new issues were read again.
    expect(r.stderr).toMatch(/^acme\/widgets: reading issues: 150 /m);
    expect(r.stderr).toMatch(/^acme\/widgets: kept: /m);
  }, 120_000);

  it("one repo's error does not stop the others: every repo gets its line, the run exits 1; --dry-run never publishes; INSTALLATION_ID is ignored", async () => {
    const before = await pointer();
    // A marked repo with a model but no installation of the app: it cannot be read, which is an error.
    await publishModel({
      store: store(),
      scope: { kind: 'repo', owner: 'ghost', repo: 'nowhere' },
      dir: join(dir, 'onboard/model'),
      force: true,
    });
    github.editIssue(
      CONFIG_REPO,
      1,
      {
        body:
          '```yaml\nsalt: s\nrollout:\n  acme/widgets: { ratio: 1, mode: active, retrain: true }\n' +
          '  acme/gadgets: { ratio: 1, mode: shadow, retrain: true }\n  ghost/nowhere: { ratio: 1, retrain: true }\n```\n',
      },
      { user: 'operator', webhook: false },
    );
    // An INSTALLATION_ID left in the environment (here one that does not exist) would send every repo to one
    // installation; retrain ignores it, says so, and looks each repo's installation up.
    const env = { ...cronEnv, INSTALLATION_ID: '987654' };
    const r = await cliAsync(['retrain', '--dry-run', '--min-precision', '0.3'], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^retrain: INSTALLATION_ID is ignored/m);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Decision);
    expect(lines.map((l) => [l.repo, l.decision])).toEqual([
      ['acme/gadgets', 'skipped'],
      ['acme/widgets', 'kept'],
      ['ghost/nowhere', 'error'],
    ]);
    expect(lines[0]!.reason).toBe('no published model: onboard it first');
    expect(lines[1]!.reason).toMatch(/^--dry-run: would publish: |^macro-F1 .* is not better than current/);
    expect(r.stderr).toMatch(/^ghost\/nowhere: error: /m);
    expect(await pointer()).toBe(before);
  }, 120_000);
});
