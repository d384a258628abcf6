/**
 * Produces the example output in docs/ops.md by running the real commands against the GitHub stand-in:
 *   npx tsx test/ops/examples/run-examples.ts [--model DIR] [--out DIR]
 * With --model it labels with that model directory (the ML core's loader); without, with the keyword test classifier.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { register as registerBackfill } from '../../../src/cli/commands/backfill';
import { register as registerReport } from '../../../src/cli/commands/report';
import type { OpsIo } from '../../../src/ops/cli-io';
import { defaultModelLoaders } from '../../../src/ops/ml-loaders';
import type { ModelLoaders } from '../../../src/ops/model-source';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-stand-in';
import { KeywordClassifier } from '../fixtures/keyword-classifier';
import { replayFeedback } from '../fixtures/replay-feedback';
import { REPO, seedRepo } from '../fixtures/stand-in-repo';

const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' } } });

function sink() {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = false;
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { s, text: () => text };
}

async function run(standIn: GitHubStandIn, loaders: ModelLoaders, args: string[]): Promise<string> {
  const out = sink();
  const err = sink();
  const io: OpsIo = {
    env: { GITHUB_TOKEN: 'example', GITHUB_API_URL: standIn.url },
    stdout: out.s,
    stderr: err.s,
    loaders,
  };
  const program = new Command().exitOverride();
  registerBackfill(program, io);
  registerReport(program, io);
  await program.parseAsync(args, { from: 'user' });
  process.exitCode = undefined;
  return `$ label-bot ${args.map((a) => (/[\s[\]]/.test(a) ? `'${a}'` : a)).join(' ')}\n${err.text()}${out.text()}`;
}

const work = values.out ?? (await mkdtemp(join(tmpdir(), 'ops-examples-')));
await mkdir(work, { recursive: true });
await rm(join(work, 'checkpoint.json'), { force: true });
const loaders: ModelLoaders = values.model
  ? await defaultModelLoaders()
  : { loadDir: async () => new KeywordClassifier(), fromArtifacts: async () => new KeywordClassifier() };
const modelArg = values.model ?? 'models/keywords';
const sections: string[] = [];

const a = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
seedRepo(a);
sections.push(
  await run(a, loaders, [
    'backfill',
    REPO,
    '--dry-run',
    '--state',
    'all',
    '--model',
    modelArg,
    '--out',
    join(work, 'backfill.csv'),
  ]),
);
sections.push(
  `$ head -3 ${join(work, 'backfill.csv')}\n${(await readFile(join(work, 'backfill.csv'), 'utf8')).split('\n').slice(0, 3).join('\n')}\n`,
);
const stateFile = join(work, 'checkpoint.json');
// Interrupt the real run after 3 issues (the 4th prediction throws), then resume.
let first = true;
const crashing: ModelLoaders = {
  loadDir: async (dir) => {
    const real = await loaders.loadDir(dir);
    if (!first) return real;
    first = false;
    let n = 0;
    return {
      version: real.version,
      labels: real.labels,
      predict: async (i) => (++n === 4 ? Promise.reject(new Error('connection reset')) : real.predict(i)),
    };
  },
  fromArtifacts: loaders.fromArtifacts,
};
sections.push(
  await run(a, crashing, ['backfill', REPO, '--state', 'all', '--model', modelArg, '--state-file', stateFile]),
);
sections.push(
  await run(a, crashing, ['backfill', REPO, '--state', 'all', '--model', modelArg, '--state-file', stateFile]),
);
await a.close();

const b = await startGitHubStandIn({ autoWebhooks: { control: false, api: false } });
replayFeedback(b);
const shadow = join(work, 'shadow.jsonl');
await writeFile(
  shadow,
  [
    {
      time: '2026-02-02T00:00:00Z',
      repo: REPO,
      issue: 3,
      model_version: 'acme/widgets/2026-02-01T00-00-00Z-ab12',
      mode: 'shadow',
      labels: [{ label: 'question', score: 0.81 }],
    },
    {
      time: '2026-02-02T00:00:00Z',
      repo: REPO,
      issue: 5,
      model_version: 'acme/widgets/2026-02-01T00-00-00Z-ab12',
      mode: 'shadow',
      labels: [{ label: 'feature', score: 0.66 }],
    },
    {
      time: '2026-02-02T00:00:00Z',
      repo: REPO,
      issue: 1,
      model_version: 'acme/widgets/2026-02-01T00-00-00Z-ab12',
      mode: 'shadow',
      labels: [{ label: 'bug', score: 0.93 }],
    },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n'),
);
sections.push(
  await run(b, loaders, [
    'report',
    REPO,
    '--since',
    '2026-01-01',
    '--bot-login',
    'label-bot[bot]',
    '--out',
    join(work, 'plots'),
    '--shadow-log',
    shadow,
  ]),
);
await b.close();

process.stdout.write(`${sections.join('\n')}\n`);
if (!values.out) await rm(work, { recursive: true, force: true });
