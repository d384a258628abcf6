/**
 * `npm run demo`: label-bot end to end on this machine, no cloud account (see docs/local-stack.md).
 *
 * 1. trains a repo model for demo/* from a small fixture (plus ../shared/data when present);
 * 2. starts the local stack (scripts/dev-local.ts): GitHub stand-in, Pub/Sub emulator (or fake), GCS stand-in with the
 *    universal and the repo model, the Lambda handler under `serverless offline`, a worker process;
 * 3. writes the config issue: demo/widgets at ratio 1.0, demo/gadgets at 0.3;
 * 4. files issues as different users and prints issue, route, labels, confidence, latency;
 * 5. edits the config issue (demo/gadgets → 1.0) and shows new issues take the new route;
 * 6. replays deliveries and shows nothing doubles;
 * 7. prints the stand-in's /_ui URL and exits 0 (`--keep` keeps everything running for a look around).
 *
 * Flags: `--keep`; `--logs` (stream the Lambda's and the worker's JSON logs); `--universal-model DIR`
 * (default models/universal).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change } from '../test/support/github-stand-in/changes';
import { configIssueBody, OPERATOR, ROOT, startLocalStack, type LocalStack } from './dev-local';

const FIXTURES = join(ROOT, 'test/e2e/fixtures');
const SHARED_DATA = join(ROOT, '../shared/data/nlbse24-train.jsonl');
const SALT = 'demo-salt';
const ISSUE_TIMEOUT_MS = 60_000;

interface FixtureIssue {
  title: string;
  body: string;
  user: string;
}

interface Row {
  repo: string;
  number: number;
  title: string;
  route: string;
  labels: string;
  confidence: string;
  model: string;
  latency: string;
}

const started = Date.now();
let activeStack: LocalStack | null = null;
/** Training children still running (killed if the demo fails first). */
const trainers = new Set<ReturnType<typeof spawn>>();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const step = (text: string) => console.log(`\n== ${text}  [${elapsed()}]`);

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/**
 * The repo model's training set: our fixture, plus (when ../shared/data is present) 120 real issues of one repo,
 * relabeled into the demo's `kind/…` scheme. Kept small so training takes seconds.
 */
function trainingFile(dir: string): { file: string; rows: number; shared: boolean } {
  const rows = readJsonl<Record<string, unknown>>(join(FIXTURES, 'demo-train.jsonl'));
  let shared = false;
  if (existsSync(SHARED_DATA)) {
    const real = readJsonl<{ repo: string; title: string; body: string | null; labels: string[] }>(SHARED_DATA).filter(
      (r) => r.repo === 'microsoft/vscode',
    );
    for (const r of real.slice(0, 120))
      rows.push({ repo: 'demo/widgets', title: r.title, body: r.body ?? '', labels: r.labels.map((l) => `kind/${l}`) });
    shared = true;
  }
  const file = join(dir, 'train.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { file, rows: rows.length, shared };
}

/** `label-bot train` as a child process, so it runs while the stack starts. */
function trainRepoModel(dir: string): Promise<{ dir: string; summary: string }> {
  const data = trainingFile(dir);
  const out = join(dir, 'demo-repo-model');
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/label-bot.mjs'),
      'train',
      '--data',
      data.file,
      '--out',
      out,
      '--name',
      'demo-repo',
      '--inner-folds',
      '3',
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  trainers.add(child);
  child.once('exit', () => trainers.delete(child));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveTrain, rejectTrain) => {
    child.once('error', rejectTrain);
    child.once('exit', (code) => {
      if (code !== 0) return rejectTrain(new Error(`label-bot train failed:\n${stderr}`));
      const metric =
        stderr
          .split('\n')
          .filter((l) => l.includes('macro-F1'))
          .pop()
          ?.replace(`${out}: `, '') ?? '';
      const source = data.shared
        ? 'fixture + 120 issues of microsoft/vscode from ../shared/data'
        : 'fixture only; ../shared/data not found';
      resolveTrain({ dir: out, summary: `${data.rows} issues (${source}): ${metric}` });
    });
  });
}

function table(rows: Row[]): string {
  const cols: [keyof Row, string][] = [
    ['repo', 'repo'],
    ['number', '#'],
    ['title', 'title'],
    ['route', 'route'],
    ['labels', 'labels'],
    ['confidence', 'confidence'],
    ['model', 'model'],
    ['latency', 'latency'],
  ];
  const widths = cols.map(([k, h]) => Math.max(h.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(cols.map(([, h]) => h)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map(([k]) => String(r[k])))),
  ].join('\n');
}

/** Confidence and model version as the bot wrote them in its comment (the comment is the user-visible record). */
function fromComment(body: string | undefined): { confidence: string; model: string } {
  if (!body) return { confidence: '—', model: '—' };
  const scores = [...body.matchAll(/\|\s*`([^`]+)`\s*\|\s*([\d.]+%)\s*\|/g)].map((m) => `${m[1]} ${m[2]}`);
  const model = /Model `([^`]+)`/.exec(body)?.[1] ?? '—';
  return { confidence: scores.length ? scores.join(', ') : 'not confident', model };
}

/** When the bot first touched each issue (label or comment), from the stand-in's change feed. */
function trackFirstBotAction(stack: LocalStack): Map<string, number> {
  const firstAction = new Map<string, number>();
  stack.gh.store.onChange((change: Change) => {
    if (change.actor.type !== 'Bot') return;
    if (change.kind !== 'issue.labeled' && change.kind !== 'comment.created') return;
    const key = `${change.repo.owner.login}/${change.repo.name}#${change.issue.number}`;
    if (!firstAction.has(key)) firstAction.set(key, Date.now());
  });
  return firstAction;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

async function workerMessages(stack: LocalStack): Promise<number> {
  const text = await (await fetch(`${stack.workerHealthUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('label_bot_worker_messages_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function fileIssues(
  stack: LocalStack,
  firstAction: Map<string, number>,
  items: { repo: string; issue: FixtureIssue }[],
): Promise<Row[]> {
  const filedAt = new Map<string, number>();
  const refs: { repo: string; number: number; title: string }[] = [];
  for (const { repo, issue } of items) {
    const created = stack.gh.createIssue(repo, { title: issue.title, body: issue.body, user: issue.user });
    filedAt.set(`${repo}#${created.number}`, Date.now());
    refs.push({ repo, number: created.number, title: issue.title });
  }
  // Done = the bot's comment is there (the labels come first; the comment carries the confidence).
  await until(() => refs.every((r) => stack.gh.botComments(r.repo, r.number).length > 0), ISSUE_TIMEOUT_MS);
  await stack.gh.idle();
  return refs.map(({ repo, number, title }) => {
    const key = `${repo}#${number}`;
    const snap = stack.gh.issue(repo, number);
    const comment = stack.gh.botComments(repo, number)[0];
    const acted = firstAction.get(key);
    return {
      repo,
      number,
      title: title.length > 38 ? `${title.slice(0, 37)}…` : title,
      route: stack.forwarded.has(key) ? 'forwarded' : 'universal',
      labels: snap.labels.join(', ') || '—',
      ...fromComment(comment?.body),
      latency: acted ? `${acted - filedAt.get(key)!} ms` : 'timeout',
    };
  });
}

function configYaml(gadgetsRatio: number): string {
  // not-confident-comment: an issue no label clears the threshold for gets one note, so the demo (and its reader)
  // sees the universal model abstain instead of waiting for a label that never comes.
  return `salt: ${SALT}\nrollout:\n  demo/widgets: 1.0\n  demo/gadgets: ${gadgetsRatio}\ndefaults:\n  not-confident-comment: true\n`;
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const work = mkdtempSync(join(tmpdir(), 'label-bot-demo-'));
  let stack: LocalStack | null = null;
  try {
    step('starting the local stack; training the repo model for demo/* meanwhile (label-bot train)');
    const training = trainRepoModel(work);
    training.catch(() => undefined); // awaited below; avoid an unhandled rejection while the stack starts
    const universalFlag = process.argv.indexOf('--universal-model');
    stack = activeStack = await startLocalStack({
      universalModelDir: universalFlag > 0 ? process.argv[universalFlag + 1] : undefined,
      configYaml: configYaml(0.3),
      streamLogs: process.argv.includes('--logs'),
      log: (l) => console.log(`  ${l}`),
    });
    // Warm-up: one issue in a scratch repo makes the Lambda load the universal model, authenticate and read the config
    // before the timed issues arrive (as a warm Lambda instance would have done already).
    stack.gh.createRepo('ops/warm-up');
    const warm = stack.gh.createIssue('ops/warm-up', {
      title: 'Warm-up: how do I check that the bot answers?',
      body: 'Ignore me.',
      user: OPERATOR,
    });
    if (!(await until(() => stack!.gh.botComments('ops/warm-up', warm.number).length > 0, 60_000))) {
      throw new Error('the Lambda did not label the warm-up issue within 60 s (its log is below)');
    }
    await stack.gh.idle();
    console.log(`  Lambda warmed up (universal model loaded, config read)`);
    const repoModel = await training;
    await stack.publishModel('demo/*', repoModel.dir);
    console.log(`  repo model demo/* trained on ${repoModel.summary}; published to the GCS stand-in`);
    const gh = stack.gh;
    gh.createRepo('demo/widgets');
    gh.createRepo('demo/gadgets');
    const firstAction = trackFirstBotAction(stack);
    console.log(
      `  config issue ${stack.configIssue.repo}#${stack.configIssue.number}: demo/widgets 1.0, demo/gadgets 0.3 (salt ${SALT})`,
    );

    const issues = readJsonl<FixtureIssue>(join(FIXTURES, 'demo-issues.jsonl'));
    const firstBatch = issues
      .slice(0, 16)
      .map((issue, i) => ({ repo: i % 2 === 0 ? 'demo/widgets' : 'demo/gadgets', issue }));
    step(`filing ${firstBatch.length} issues (${firstBatch.length / 2} per repo) as different users`);
    const rows = await fileIssues(stack, firstAction, firstBatch);
    console.log(table(rows));
    const gadgetRows = rows.filter((r) => r.repo === 'demo/gadgets');
    const share = (rs: Row[]) => `${rs.filter((r) => r.route === 'forwarded').length}/${rs.length}`;
    console.log(
      `forwarded: demo/widgets ${share(rows.filter((r) => r.repo === 'demo/widgets'))} (ratio 1.0), demo/gadgets ${share(gadgetRows)} (ratio 0.3)`,
    );

    step('the operator edits the config issue: demo/gadgets 0.3 → 1.0');
    gh.editIssue(
      stack.configIssue.repo,
      stack.configIssue.number,
      { body: configIssueBody(configYaml(1.0)) },
      { user: OPERATOR },
    );
    await gh.idle();
    const editDelivery = gh.webhooks.deliveries.filter((d) => d.event === 'issues' && d.action === 'edited').pop();
    console.log(`  issues.edited delivered to the Lambda: HTTP ${editDelivery?.status}; no redeploy`);
    const secondBatch = issues.slice(16, 22).map((issue) => ({ repo: 'demo/gadgets', issue }));
    const after = await fileIssues(stack, firstAction, secondBatch);
    console.log(table(after));
    console.log(`forwarded: demo/gadgets ${share(after)} after the edit (was ${share(gadgetRows)})`);

    step('replaying deliveries (GitHub "Redeliver": same GUID, same signature)');
    const pick = [rows.find((r) => r.route === 'forwarded'), rows.find((r) => r.route === 'universal')].filter(
      (r): r is Row => r !== undefined,
    );
    const before = pick.map((r) => ({ r, snap: gh.issue(r.repo, r.number) }));
    const writesBefore = gh.counters.snapshot();
    const messagesBefore = await workerMessages(stack);
    const forwardedReplays = pick.filter((r) => r.route === 'forwarded').length;
    for (const r of pick) {
      const d = gh.webhooks.deliveries.find(
        (x) => x.event === 'issues' && x.action === 'opened' && x.issue === `${r.repo}#${r.number}` && !x.redelivery,
      );
      if (!d) continue;
      const res = await gh.redeliver(d.id);
      console.log(`  redelivered ${d.id} (${r.repo}#${r.number}, ${r.route}): HTTP ${res.status}`);
    }
    await gh.idle();
    // The forwarded replay goes through Pub/Sub again; wait until the worker has handled it too.
    const deadline = Date.now() + 20_000;
    while ((await workerMessages(stack)) < messagesBefore + forwardedReplays && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await gh.idle();
    const writes = (snap: ReturnType<typeof gh.counters.snapshot>) =>
      Object.entries(snap.byEndpoint)
        // REST writes and the labeler's GraphQL mutations (labels and comment go in one since issue #15).
        .filter(
          ([k]) =>
            /^(POST|PATCH|PUT|DELETE) \/repos/.test(k) || /^POST graphql:LabelBot(ApplyDecision|AddComment)$/.test(k),
        )
        .reduce((a, [, v]) => a + v, 0);
    for (const { r, snap } of before) {
      const now = gh.issue(r.repo, r.number);
      console.log(
        `  ${r.repo}#${r.number}: labels [${snap.labels.join(', ')}] → [${now.labels.join(', ')}], ` +
          `bot comments ${snap.comments.filter((c) => c.authorType === 'Bot').length} → ${now.comments.filter((c) => c.authorType === 'Bot').length}`,
      );
    }
    const replayWrites = writes(gh.counters.snapshot()) - writes(writesBefore);
    const why =
      replayWrites === 0
        ? 'reads only: the live issue already has the labels and the comment'
        : 'a replay that now falls in the raised rollout cohort is labeled by the repo model as well';
    console.log(`  GitHub writes caused by the replays: ${replayWrites} (${why})`);

    step('summary');
    const all = [...rows, ...after];
    const snap = gh.counters.snapshot();
    const perIssue = all.map((r) => snap.byIssue[`${r.repo}#${r.number}`.toLowerCase()]?.total ?? 0);
    console.log(
      `  ${all.length} issues, ${all.filter((r) => r.route === 'forwarded').length} forwarded, ${all.filter((r) => r.latency === 'timeout').length} timed out`,
    );
    console.log(
      `  GitHub API calls per issue: mean ${(perIssue.reduce((a, b) => a + b, 0) / perIssue.length).toFixed(1)}, max ${Math.max(...perIssue)}`,
    );
    console.log(`  Pub/Sub: ${stack.pubsubKind}; Lambda: ${stack.lambdaMode}; worker: gcp-worker/src/main.ts`);
    const failed = gh.webhooks.deliveries.filter((d) => d.status !== 200);
    console.log(
      `  webhook deliveries: ${gh.webhooks.deliveries.length}, not answered 200: ${failed.length}${failed.length ? ` (${failed.map((d) => `${d.event}.${d.action ?? ''} ${d.issue ?? ''} → ${d.status ?? d.error}`).join('; ')})` : ''}`,
    );
    console.log(`  webhook loops detected: ${gh.webhooks.loopSuspects.size}`);
    console.log(`\n  Stand-in UI: ${gh.url}/_ui${keep ? '' : '  (run `npm run demo -- --keep` to keep it up)'}`);
    console.log(`  done in ${elapsed()}`);

    if (keep) {
      console.log('  --keep: everything stays up; Ctrl-C to stop.');
      await new Promise<void>((resolveStop) => {
        process.once('SIGINT', () => resolveStop());
        process.once('SIGTERM', () => resolveStop());
      });
    }
  } catch (err) {
    if (stack) console.error(stack.logs().slice(-40).join('\n'));
    throw err;
  } finally {
    for (const t of trainers) t.kill('SIGKILL');
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

// Ctrl-C (or a CI timeout's SIGTERM) mid-run: the children live in their own process groups, so stop them first.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted || process.argv.includes('--keep')) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the stack…`);
    void activeStack?.stop().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
