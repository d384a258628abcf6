/**
 * Every `label-bot` command the docs quote (found as test/docs/quoted-commands.ts says) runs as written, offline:
 * through the real bin, against the GitHub stand-in (GITHUB_API_URL) and the GCS stand-in (STORAGE_API_ENDPOINT), in
 * a scratch working directory where the files the docs name are put (table FILES). Exit 0 is required; an unknown
 * command or option, or a missing required option, is a usage error and fails the test.
 *
 * Every quoted command must be in HOW: run, checked as a synopsis (each `--option` it names is one the command
 * accepts), or not run with the reason. A command new to the docs that is in none fails the test, and so does an
 * entry of HOW the docs no longer quote. Options that prose names in inline code (`label-bot eval --train F --split
 * time [--test-share X]`) must be options of that command too.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers';
import { seed } from '../cli/onboard-repo';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-stand-in';
import { keywordModelDir } from '../gcp-worker/harness';
import { inlineOptionMentions, quotedCommands, shellWords } from './quoted-commands';

type How =
  /**
   * Run as written. Commands of one `lane` run one after another, in the order listed here (they share state). `env`:
   * what the surrounding prose says to set, e.g. "with the same environment as the CronJob".
   */
  { run: true; lane?: string; stdout?: RegExp; env?: NodeJS.ProcessEnv } | { synopsis: true } | { notRun: string };

/** docs/gcp.md's model lifecycle block sets `export LABEL_BOT_BUCKET=my-project-label-bot-models`. */
const BUCKET = 'my-project-label-bot-models';
/** The version docs/gcp.md rolls back to: seeded, with an older one before it, so its block runs in order. */
const DOC_VERSION = '20261122T074522123Z-aad2c7ec';

const HOW: Record<string, How> = {
  'label-bot --help': { run: true, stdout: /^Usage: label-bot /m },
  'label-bot check-config config-issue.md': { run: true },
  'label-bot check-config body.md': { run: true },
  'label-bot check-config --kind tracking-issue tracking.md': { run: true },
  'label-bot check-config .github/issue_label_bot.yaml': { run: true },
  'GITHUB_TOKEN=… label-bot check-config acme/ops#1': { run: true },
  'label-bot onboard your-org/your-repo --bucket your-bucket': {
    run: true,
    stdout: /^published your-org\/your-repo \S+ → gs:\/\/your-bucket\//m,
  },
  'label-bot eval --train ../shared/data/nlbse24-train.jsonl --cv-by repo --json': { run: true, stdout: /"score":/ },
  'label-bot eval --train ../shared/data/nlbse24-train.jsonl --cv 5 --per-repo --json': {
    run: true,
    stdout: /"score":/,
  },
  "label-bot train --data all.jsonl --label-map 'kind/bug=bug,enhancement=feature' --labels bug,feature,question --out models/my-universal":
    { run: true },
  // docs/gcp.md, model lifecycle: publish over the seeded DOC_VERSION, again (unchanged), list, roll back twice.
  'label-bot publish acme/widgets ./out/acme-widgets': { run: true, lane: 'gcs', stdout: /^published acme\/widgets / },
  'label-bot publish acme/widgets ./out/acme-widgets --force': { run: true, lane: 'gcs', stdout: /^unchanged: / },
  // The same files again: unchanged before any comparison, so the newest-issues guard has nothing to decide.
  'label-bot publish acme/widgets ./out/acme-widgets --holdout-data acme-widgets.jsonl': {
    run: true,
    lane: 'gcs',
    stdout: /^unchanged: /,
  },
  'label-bot models list acme/widgets': { run: true, lane: 'gcs', stdout: /^\*\s+\S+/m },
  [`label-bot rollback acme/widgets --to ${DOC_VERSION}`]: { run: true, lane: 'gcs', stdout: /→ 20261122T/ },
  'label-bot rollback acme/widgets': { run: true, lane: 'gcs', stdout: /^rolled back acme\/widgets: 20261122T/ },
  // docs/ops.md: a dry run, the real run (quoted twice: before and after an interruption), then the report.
  'label-bot backfill acme/widgets --dry-run --state all --model models/universal --out ops-out/backfill.csv': {
    run: true,
    lane: 'github',
  },
  'label-bot backfill acme/widgets --state all --model models/universal --state-file ops-out/checkpoint.json': {
    run: true,
    lane: 'github',
  },
  "label-bot report acme/widgets --since 2026-01-01 --bot-login 'label-bot[bot]' --out ops-out/plots --shadow-log ops-out/shadow.jsonl":
    { run: true, lane: 'github', stdout: /^Live precision for acme\/widgets/m },
  'label-bot report acme/widgets --shadow-log shadow.json --shadow-labels bug,feature,question': {
    run: true,
    lane: 'github',
    stdout: /^Shadow comparison/m,
  },
  'label-bot report acme/widgets --since 2026-01-01 --settle-days 7 --out plots/': {
    run: true,
    lane: 'github',
    stdout: /^Live precision for acme\/widgets/m,
  },
  // retrain: the configs (config-issue.md, at each doc's config issue) mark your-org/busy-repo, which has no published
  // model in these buckets, so each run decides "skipped" without training; the README line takes the environment its
  // comment names.
  'label-bot retrain': { run: true, env: { CONFIG_ISSUE: 'acme/ops#1' }, stdout: /"repo":"your-org\/busy-repo"/ },
  'CONFIG_ISSUE=acme/ops#1 LABEL_BOT_BUCKET=acme-label-bot-models APP_ID=123456 PRIVATE_KEY_PATH=/secrets/app.pem label-bot retrain':
    { run: true, stdout: /"repo":"your-org\/busy-repo"/ },
  'CONFIG_ISSUE=your-org/label-bot-ops#1 LABEL_BOT_BUCKET=my-project-label-bot-models label-bot retrain': {
    run: true,
    stdout: /"repo":"your-org\/busy-repo"/,
  },
  'label-bot retrain --config acme/ops#1 --bucket acme-label-bot-models --repo acme/widgets --dry-run --work-dir .label-bot/retrain':
    {
      notRun:
        'a real retrain of acme/widgets (its labeled history fetched, a model trained and compared on the newest issues); test/cli/retrain.test.ts runs retrain that way against the stand-ins',
    },
  'label-bot retrain --repo acme/widgets --dry-run': {
    notRun: 'the same one-repo retrain as above, in the CronJob environment; test/cli/retrain.test.ts',
  },
  'label-bot onboard acme/widgets --bucket $LABEL_BOT_BUCKET': {
    notRun:
      'needs a 150-issue history in acme/widgets; the same onboard (bucket spelled $PROJECT-label-bot-models) is run as written by test/docs/gcp-onboarding.test.ts',
  },
  'label-bot backfill owner/repo [--since DATE] [--state open|all] [--dry-run] [--model DIR | --bucket B] [--out F.csv|F.jsonl] [--state-file F] [--no-checkpoint] [--no-table]':
    { synopsis: true },
  'label-bot report owner/repo [--since DATE] [--out DIR] [--json] [--shadow-log F] [--shadow-labels a,b] [--bot-login LOGIN]':
    { synopsis: true },
  'label-bot …': { notRun: 'a placeholder for any command, in prose' },
  'label-bot onboard acme/widgets --bucket $PROJECT-label-bot-models': {
    notRun: 'run as written with its block by test/docs/gcp-onboarding.test.ts',
  },
  'label-bot models list acme/widgets --bucket $PROJECT-label-bot-models': {
    notRun: 'run as written with its block by test/docs/gcp-onboarding.test.ts',
  },
};

/**
 * Where the files the docs name come from, relative to the working directory the commands run in. The NLBSE'24 data
 * (../shared/data, 1.5k rows, minutes of training) is stood in for by 60 rows over three repos, so `--cv-by repo` has
 * repos to leave out.
 */
const FILES: Record<string, string | ((path: string) => void)> = {
  '../shared/data/nlbse24-train.jsonl': (path) =>
    writeFileSync(
      path,
      fixtureRows('issues-small.jsonl')
        .map((row, i) => JSON.stringify({ ...row, repo: `nlbse/repo${i % 3}` }))
        .join('\n') + '\n',
    ),
  'all.jsonl': 'test/fixtures/ml/issues-repo-labels.jsonl',
  'config-issue.md': 'config-issue.md',
  'body.md': 'config-issue.md',
  'tracking.md': (path) => {
    const helpers = readFileSync(join(ROOT, 'docs/helpers.md'), 'utf8');
    writeFileSync(path, /### Tracking issue example\n\n````markdown\n([\s\S]*?)\n````/.exec(helpers)![1]! + '\n');
  },
  '.github/issue_label_bot.yaml': 'test/fixtures/ilb/issue_label_bot.yaml',
  'models/universal': (path) => symlinkSync(join(ROOT, 'models/universal'), path),
  'out/acme-widgets': (path) => symlinkSync(join(ROOT, 'models/universal'), path),
  // As `fetch-issues acme/widgets` writes it: with created_at, which the newest-issues comparison splits on.
  'acme-widgets.jsonl': (path) =>
    writeFileSync(
      path,
      fixtureRows('issues-small.jsonl')
        .map((row, i) =>
          JSON.stringify({
            ...row,
            repo: 'acme/widgets',
            created_at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
          }),
        )
        .join('\n') + '\n',
    ),
  'shadow.json': (path) => writeFileSync(path, shadowLine()),
  'ops-out/shadow.jsonl': (path) => writeFileSync(path, shadowLine()),
};

function fixtureRows(name: string): Record<string, unknown>[] {
  return readFileSync(join(ROOT, 'test/fixtures/ml', name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** One line as the worker logs a shadow decision (docs/ops.md, shadow mode). */
function shadowLine(): string {
  const line = {
    time: new Date().toISOString(),
    repo: 'acme/widgets',
    issue: 1,
    model_version: 'acme/widgets/v1',
    mode: 'shadow',
    labels: [{ label: 'bug', score: 0.9 }],
  };
  return JSON.stringify(line) + '\n';
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runLabelBot(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/label-bot.mjs'), ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the lanes `width` at a time; the commands of a lane one after another. */
async function inLanes<T>(lanes: (() => Promise<T>)[][], width: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lanes.length) for (const step of lanes[next++]!) results.push(await step());
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

describe('commands quoted in README.md and docs/', () => {
  const quoted = quotedCommands(ROOT);
  let github: GitHubStandIn;
  let gcs: GcsStandIn;
  let scratch: string;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    github = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
    github.createRepo('your-org/your-repo');
    seed(github, 1, 150, 'your-org/your-repo');
    github.createRepo('acme/widgets');
    seed(github, 1, 9, 'acme/widgets');
    for (const repo of ['acme/ops', 'your-org/label-bot-ops']) {
      github.createRepo(repo);
      github.createIssue(repo, {
        title: 'label-bot config',
        body: readFileSync(join(ROOT, 'config-issue.md'), 'utf8'),
      });
    }

    gcs = await startGcsStandIn({ buckets: [BUCKET, 'your-bucket', 'acme-label-bot-models'] });
    const older = keywordModelDir({ bug: 'crash' }, 0.1);
    for (const version of ['20261101T000000000Z-0badc0de', DOC_VERSION])
      for (const file of ['model.onnx', 'model.json'])
        gcs.seed(BUCKET, `models/acme/widgets/${version}/${file}`, readFileSync(join(older, file)));
    gcs.seed(
      BUCKET,
      'models/acme/widgets/current.json',
      JSON.stringify({
        version: DOC_VERSION,
        published_at: '2026-11-22T07:45:22Z',
        previous: '20261101T000000000Z-0badc0de',
      }),
      'application/json',
    );

    scratch = mkdtempSync(join(tmpdir(), 'doc-commands-'));
    cwd = join(scratch, 'work');
    for (const [path, source] of Object.entries(FILES)) {
      const target = join(cwd, path);
      mkdirSync(dirname(target), { recursive: true });
      if (typeof source === 'string') cpSync(join(ROOT, source), target);
      else source(target);
    }
    env = {
      PATH: process.env.PATH,
      METADATA_SERVER_DETECTION: 'none',
      GITHUB_TOKEN: 'docs-token',
      GITHUB_API_URL: github.url,
      STORAGE_API_ENDPOINT: gcs.endpoint,
      LABEL_BOT_BUCKET: BUCKET,
    };
  });
  afterAll(async () => {
    await github?.close();
    await gcs?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the quoted commands, and every one is run, checked as a synopsis, or listed as not run with a reason', () => {
    const keys = new Set(quoted.map((q) => q.key));
    expect(keys.size).toBeGreaterThan(20);
    const unclassified = quoted.filter((q) => !(q.key in HOW)).map((q) => `${q.where}: ${q.key}`);
    expect(unclassified, 'new commands in the docs: add each to HOW in test/docs/commands.test.ts').toEqual([]);
    const stale = Object.keys(HOW).filter((k) => !keys.has(k));
    expect(stale, 'HOW lists commands the docs no longer quote').toEqual([]);
  });

  it('options named by a synopsis or in prose (inline `label-bot <command> … --option`) are options of that command', async () => {
    const mentions = [
      ...Object.keys(HOW)
        .filter((k) => 'synopsis' in HOW[k]!)
        .map((key) => ({ key, where: 'HOW' })),
      ...inlineOptionMentions(ROOT),
    ];
    expect(mentions.length).toBeGreaterThan(5);
    const commandOf = (text: string): string => {
      const words = text.split(' ').slice(1);
      if (words[0]!.startsWith('-')) return ''; // `label-bot --version`: the program's own options
      return (words[0] === 'models' ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
    };
    const commands = [...new Set(mentions.map((m) => commandOf(m.key)))];
    const helps = new Map(
      await Promise.all(
        commands.map(async (c) => {
          const help = await runLabelBot([...c.split(' ').filter(Boolean), '--help'], cwd, env);
          expect(help.code, `label-bot ${c} --help`).toBe(0);
          return [c, help.stdout] as const;
        }),
      ),
    );
    const unknown = mentions.flatMap((m) =>
      (m.key.match(/--[a-z][a-z-]*/g) ?? [])
        .filter((option) => !helps.get(commandOf(m.key))!.includes(`${option} `))
        .map((option) => `${m.where}: ${option} in \`${m.key}\``),
    );
    expect(unknown).toEqual([]);
  }, 120_000);

  it('each runnable command runs as written (exit 0), against the stand-ins and the files above', async () => {
    const lanes = new Map<string, string[]>();
    for (const [key, how] of Object.entries(HOW)) {
      if (!('run' in how)) continue;
      const lane = how.lane ?? key;
      lanes.set(lane, [...(lanes.get(lane) ?? []), key]);
    }
    // The slow ones first (training, onboarding), so the quick ones fill in beside them.
    const order = [...lanes.values()].sort(
      (a, b) => Number(/ (onboard|eval|train) /.test(b[0]!)) - Number(/ (onboard|eval|train) /.test(a[0]!)),
    );
    const results = await inLanes(
      order.map((keys) =>
        keys.map((key) => async () => {
          const words = shellWords(key);
          const assignments = words.slice(0, words.indexOf('label-bot'));
          const runEnv = { ...env, ...(HOW[key] as { env?: NodeJS.ProcessEnv }).env };
          // `NAME=…` stands for "your value": the stand-ins' values are already in env.
          for (const a of assignments)
            if (!a.endsWith('=…')) runEnv[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
          return { key, ...(await runLabelBot(words.slice(words.indexOf('label-bot') + 1), cwd, runEnv)) };
        }),
      ),
      3,
    );
    const failures = results
      .filter((r) => {
        const how = HOW[r.key] as { stdout?: RegExp };
        return r.code !== 0 || (how.stdout && !how.stdout.test(r.stdout));
      })
      .map((r) => `${r.key}\n  exit ${r.code}\n  stdout: ${r.stdout.slice(0, 400)}\n  stderr: ${r.stderr.slice(-800)}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(Object.values(HOW).filter((h) => 'run' in h).length);
  }, 300_000);
});
