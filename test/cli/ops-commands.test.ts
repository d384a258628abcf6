import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerBackfill } from '../../src/cli/commands/backfill';
import { register as registerReport } from '../../src/cli/commands/report';
import type { OpsIo } from '../../src/ops/cli-io';
import type { Classifier } from '../../src/ml/types';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { SINCE } from '../ops/fixtures/feedback';
import { KeywordClassifier } from '../ops/fixtures/keyword-classifier';
import { replayFeedback } from '../ops/fixtures/replay-feedback';
import { apiWrites, REPO, useSeededStandIn } from '../ops/fixtures/stand-in-repo';

function sink(isTTY = false) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = isTTY;
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { s, text: () => text };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real commands through commander with GITHUB_TOKEN auth against the stand-in. */
async function cli(
  standIn: GitHubStandIn,
  args: string[],
  classifier: () => Classifier = () => new KeywordClassifier(),
  auth: NodeJS.ProcessEnv = { GITHUB_TOKEN: 'cli-test-token' },
): Promise<Run> {
  const out = sink();
  const err = sink();
  const io: OpsIo = {
    env: { ...auth, GITHUB_API_URL: standIn.url },
    stdout: out.s,
    stderr: err.s,
    sleep: async () => undefined,
    loaders: {
      loadDir: async () => classifier(),
      fromArtifacts: async () => classifier(),
    },
  };
  const program = new Command().exitOverride();
  registerBackfill(program, io);
  registerReport(program, io);
  process.exitCode = undefined;
  await program.parseAsync(args, { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('label-bot backfill (CLI)', () => {
  const env = useSeededStandIn('ops-cli-');

  it('--dry-run prints the table, writes the CSV, shows non-TTY progress lines, and writes nothing to GitHub', async () => {
    const csv = join(env.dir, 'rows.csv');
    const run = await cli(env.standIn, [
      'backfill',
      REPO,
      '--dry-run',
      '--state',
      'all',
      '--model',
      'some/dir',
      '--out',
      csv,
    ]);
    expect(run.code).toBe(0);
    expect(apiWrites(env.standIn)).toEqual([]);
    expect(run.stderr).toContain('DRY RUN (no writes) with model test/keywords-v1 from some/dir');
    expect(run.stderr).toContain('backfill (dry run): 7/7 (100%) would label 4');
    expect(run.stdout).toMatch(/^issue\s+action\s+would add/m);
    expect(run.stdout).toMatch(/#2\s+label\s+enhancement\s+enhancement:0\.900/);
    expect(run.stdout).toContain(
      '7 issues listed; 7 processed: would label 4 (4 labels), 0 gone. Dry run: nothing was written to GitHub.',
    );
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[1]).toMatch(/^1,open,label,labels,bug,bug:0\.900,/);
  });

  it('an interrupted run exits 1 with a resume hint; rerunning the same command finishes, labeling each issue once', async () => {
    const stateFile = join(env.dir, 'cp.json');
    let calls = 0;
    const crashAt5th = () => new KeywordClassifier('test/keywords-v1', 5 - calls++ * 100); // only the first instance crashes
    const first = await cli(
      env.standIn,
      ['backfill', REPO, '--state', 'all', '--model', 'm', '--state-file', stateFile],
      crashAt5th,
    );
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(
      `backfill failed: simulated crash. Progress is saved in ${stateFile}: rerun the same command to resume.`,
    );
    const second = await cli(env.standIn, [
      'backfill',
      REPO,
      '--state',
      'all',
      '--model',
      'm',
      '--state-file',
      stateFile,
    ]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('7 issues listed, 4 already done by an earlier run; 3 processed');
    for (const n of [1, 2, 3, 6]) {
      // One label write per issue: by REST, or with the comment in one mutation once the repo has the label.
      const labelWrites = [
        'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
        'POST graphql:LabelBotApplyDecision',
      ];
      expect(labelWrites.reduce((sum, e) => sum + env.standIn.counters.forIssue(REPO, n, e), 0)).toBe(1);
      expect(env.standIn.botComments(REPO, n)).toHaveLength(1);
    }
  });

  it('fails clearly without credentials', async () => {
    const out = sink();
    const err = sink();
    const program = new Command().exitOverride();
    registerBackfill(program, {
      env: {},
      stdout: out.s,
      stderr: err.s,
      loaders: { loadDir: async () => new KeywordClassifier(), fromArtifacts: async () => new KeywordClassifier() },
    });
    await program.parseAsync(['backfill', REPO, '--dry-run'], { from: 'user' });
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    expect(err.text()).toBe(
      'backfill failed: set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY (or PRIVATE_KEY_PATH) for the app installation.\n',
    );
  });
});

describe('label-bot report (CLI)', () => {
  let standIn: GitHubStandIn;
  let dir: string;
  beforeAll(async () => {
    standIn = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    replayFeedback(standIn);
    dir = await mkdtemp(join(tmpdir(), 'ops-cli-report-'));
  });
  afterAll(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints one JSON object with the figures; the table mode prints per-label rows', async () => {
    const json = await cli(standIn, ['report', REPO, '--since', SINCE, '--bot-login', 'label-bot[bot]', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      overall: { labelPrecision: number; combinedPrecision: number };
      labels: { label: string }[];
    };
    expect(report.overall.labelPrecision).toBe(0.5);
    expect(report.labels.map((l) => l.label)).toEqual(['bug', 'feature', 'question']);

    const text = await cli(standIn, ['report', REPO, '--since', SINCE, '--bot-login', 'label-bot[bot]', '--out', dir]);
    expect(text.stdout).toMatch(/^bug\s+3\s+2\s+0\s+1\.00\s+2\s+1\s+0\.67\s+0\.80$/m);
    expect(text.stdout).toContain(`Plots: ${join(dir, 'precision-bug.svg')}`);
    expect(text.stderr).toContain('report: issues read: 5/5 (100%)');
  });

  it('authenticated as the app (APP_ID + PRIVATE_KEY), it finds the installation and its own bot login', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const run = await cli(standIn, ['report', REPO, '--since', SINCE], undefined, {
      APP_ID: String(standIn.appId),
      PRIVATE_KEY: pem,
    });
    expect(run.stderr).not.toContain('failed');
    expect(run.stdout).toContain('(bot: label-bot[bot]; 5 issues scanned)');
    expect(run.stdout).toMatch(/^\(all\)\s+5\s+2\s+2\s+0\.50/m);
  });
});
