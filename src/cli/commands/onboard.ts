/** `label-bot onboard owner/repo --bucket B`: from a repo's history to a published model in shadow mode (src/ops/onboard.ts). */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PRECISION_TARGET } from '../../ml/thresholds';
import { parseRepoArg } from '../../ops/cli-github';
import { onboard, type OnboardResult } from '../../ops/onboard';
import { WORKFLOW_LABELS } from '../../ops/onboard-classes';
import { fmtRatio, renderTable } from '../../ops/text-table';
import { processRegistryIo, storeFromCli } from '../../registry/cli-support';
import { NO_TOKEN } from '../../ops/github-issues';
import { addLabelOptions, labelFilterFrom, type LabelFlags } from '../label-options';
import { addTrainOptions, trainOptionsFrom, type TrainFlags } from '../options';
import { warn } from '../warn';

interface Flags extends TrainFlags, LabelFlags {
  bucket?: string;
  publish: boolean;
  workDir?: string;
  exclude?: string;
  defaultExclude: boolean;
  testShare: number;
  minPrecision: number;
  botLogin?: string;
  apiUrl: string;
  json?: boolean;
}

const fraction = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`${name} must be a fraction between 0 and 1`);
  return x;
};

/** The line for the config issue's `rollout:` block (config-issue.md): every new issue to the repo model, logged only. */
export function shadowLine(repo: string): string {
  return `${repo}: { ratio: 1, mode: shadow }`;
}

function render(r: OnboardResult): string {
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const h = r.holdout;
  const excluded = r.choice.excluded.map((e) => `${e.label} ${e.issues} (${e.why})`).join(', ') || 'none';
  const bot =
    Object.entries(r.botLabels)
      .map(([l, n]) => `${l} ${n}`)
      .join(', ') || 'none';
  const rows = Object.entries(h.perLabel).map(([l, m]) => [
    l,
    fmtRatio(m.applied ? m.precision : null),
    pct(m.coverage),
    fmtRatio(m.support ? m.recall : null),
    String(m.support),
  ]);
  const lines = [
    `${r.repo}: ${r.issues.total} issues (${r.issues.fetched} fetched now, ${r.issues.resumed} from an earlier run)`,
    `classes: ${r.choice.classes.map((c) => `${c.label} ${c.issues}`).join(', ')} (${r.choice.rows} issues)`,
    `left out: ${excluded}`,
    `bot-applied labels (never trained on): ${bot}`,
    '',
    `Expected on new issues: trained on the ${h.trainRows} older issues, scored on the newest ${h.testRows} (created from ${h.cutoff}):`,
    renderTable(['label', 'precision', 'coverage', 'recall', 'issues'], rows),
    `all labels: precision ${h.applied.precision.toFixed(3)}, ${pct(h.applied.coverage)} of new issues get a label; macro-F1 ${h.macroF1.toFixed(3)}`,
    '',
    `model: ${r.modelDir} (trained on all ${r.choice.rows} issues)`,
  ];
  const d = r.decision;
  if (d.published) {
    lines.push(
      d.result.unchanged
        ? `unchanged: ${r.repo} is already at ${d.result.version}`
        : `published ${r.repo} ${d.result.version} → ${d.result.location}`,
    );
    lines.push(
      '',
      'To start it in shadow mode, add this line under `rollout:` in the config issue (config-issue.md):',
      `  ${shadowLine(r.repo)}`,
    );
  } else {
    lines.push(`not published: ${d.reason}`);
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  addLabelOptions(
    addTrainOptions(
      program
        .command('onboard')
        .description(
          "fetch a repo's history, choose its labels, measure on the newest issues, train, publish, and print the shadow-mode config line",
        )
        .argument('<owner/repo>', 'repository')
        .option('--bucket <name>', 'GCS bucket of the model registry (default: $LABEL_BOT_BUCKET)')
        .option('--no-publish', 'measure and train only; publish nothing')
        .option(
          '--work-dir <dir>',
          'download (issues.jsonl, resumable) and model directory (default: .label-bot/onboard-<owner>__<repo>)',
        )
        .option(
          '--exclude <list>',
          `labels to leave out (comma-separated, case-insensitive), on top of the workflow labels (${WORKFLOW_LABELS.join(', ')})`,
        )
        .option('--no-default-exclude', 'keep the workflow labels as candidate classes')
        .option(
          '--test-share <x>',
          'share of the newest issues (by creation time) held out to measure precision and coverage',
          fraction('--test-share'),
          0.2,
        )
        .option(
          '--min-precision <x>',
          'publish only if the labels applied to the newest issues are at least this precise',
          fraction('--min-precision'),
          DEFAULT_PRECISION_TARGET,
        )
        .option(
          '--bot-login <login>',
          "the bot's login, whose labels are never trained on (default: $LABEL_BOT_LOGIN, else every Bot account)",
        )
        .option(
          '--api-url <url>',
          'GitHub REST base URL (GitHub Enterprise)',
          process.env.GITHUB_API_URL ?? 'https://api.github.com',
        )
        .option('--json', 'print the result as one JSON object on stdout'),
    ),
  ).action(async (repo: string, flags: Flags) => {
    const { owner, repo: name } = parseRepoArg(repo);
    const filter = labelFilterFrom(flags);
    const store = flags.publish ? storeFromCli(flags.bucket, processRegistryIo) : undefined;
    if (!process.env.GITHUB_TOKEN) warn(NO_TOKEN);
    const botLogin = flags.botLogin ?? process.env.LABEL_BOT_LOGIN;
    const result = await onboard({
      repo: `${owner}/${name}`,
      workDir: flags.workDir ?? `.label-bot/onboard-${owner}__${name}`,
      fetch: {
        token: process.env.GITHUB_TOKEN,
        apiUrl: flags.apiUrl,
        ...(botLogin ? { botLogin } : {}),
        onWait: (ms, why) => process.stderr.write(`rate limited (${why}): waiting ${Math.ceil(ms / 1000)} s\n`),
      },
      classes: {
        ...(filter ? { filter } : {}),
        explicitLabels: flags.labels !== undefined,
        exclude:
          flags.exclude
            ?.split(',')
            .map((l) => l.trim())
            .filter(Boolean) ?? [],
        keepWorkflow: !flags.defaultExclude,
        minExamples: flags.minExamples,
      },
      train: trainOptionsFrom(flags, warn),
      seed: flags.seed,
      testShare: flags.testShare,
      minPrecision: flags.minPrecision,
      ...(store ? { store } : {}),
      command: process.argv.slice(2).join(' '),
      onWarning: warn,
    });
    process.stdout.write(
      flags.json ? JSON.stringify({ ...result, shadowLine: shadowLine(result.repo) }) + '\n' : render(result),
    );
    if (flags.publish && !result.decision.published) process.exitCode = 2;
  });
}
