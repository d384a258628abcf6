/**
 * One repo of `label-bot retrain`: read the current published model, bring the issues and their label events up to
 * date, take the labels humans left as the truth (retrain-truth.ts), train a candidate with the current model's
 * training options on the older issues, compare it with the current model on the same newest issues (the one guard,
 * holdout-guard.ts), and only if it wins train on everything and publish. retrain.ts runs this for every repo.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabeledIssue } from '../ml/dataset';
import { evaluateTrainTest } from '../ml/evaluate';
import { holdoutFigures, type HoldoutVerdict } from '../ml/holdout-compare';
import { parseModelJson, type ModelCard } from '../ml/model-format';
import { writeModelDir } from '../ml/model-io';
import { splitByTime } from '../ml/time-split';
import { trainModel, type TrainOptions } from '../ml/train';
import { trainingCardMarkdown } from '../ml/training-card';
import { parseScope, publishModel, PublishRefusedError, type GcsModelStore } from '../registry';
import type { GitHubClient } from '../vocabulary';
import { parseRepoArg } from './cli-github';
import { holdoutGuard } from './holdout-guard';
import { botMatcher, isHuman, type IsBot } from './live-precision';
import { createProgress } from './progress';
import { fetchIssueFacts, type IssueFacts } from './retrain-fetch';
import { labelTruth, mapTruth, type MappedTruth } from './retrain-truth';

type Figures = { macroF1: number | null; precision: number | null };

/** One decision: printed as one JSON line on stdout (docs/ops.md, "label-bot retrain"). */
export interface RetrainDecision {
  repo: string;
  /** `error`: the repo could not be decided (the reason says why); the run exits 1 after the other repos. */
  decision: 'published' | 'kept' | 'skipped' | 'error';
  reason: string;
  current: ({ version: string } & Figures) | null;
  candidate: ({ version?: string } & Figures) | null;
  holdout: { cutoff: string; n: number } | null;
  /** What the truth rule made of the issues. */
  truth?: TruthCounts;
  dryRun?: true;
}

export interface TruthCounts {
  issues: number;
  /** Issues with human-confirmed labels in the model's label set: the rows trained and measured on. */
  rows: number;
  /** Of those, created after the current model's cut-off or relabeled by a human after it. */
  newSinceCutoff: number;
  skipped: Record<string, number>;
}

export interface RetrainRepoOptions {
  repo: string;
  /**
   * The repo's GitHub client and the bot's login (without one every Bot account counts as the bot). Asked for only
   * once the repo has a published model, so a repo without one is skipped without a GitHub call.
   */
  github: () => Promise<{ octokit: GitHubClient; botLogin?: string }>;
  store: Pick<
    GcsModelStore,
    'readPointer' | 'readModelJson' | 'readArtifacts' | 'listVersions' | 'uploadVersion' | 'writePointer' | 'bucketName'
  >;
  /** This repo's folder (issues.jsonl, state.json, model/). */
  workDir: string;
  holdoutShare: number;
  minPrecision: number;
  dryRun: boolean;
  command: string;
  onWarning: (m: string) => void;
}

/** The current model's own choices, so the comparison measures new data, not new settings. */
export function trainOptionsOf(card: ModelCard, minPrecision: number): TrainOptions {
  const { version: _version, ...featurizer } = card.featurizer;
  return {
    featurizer,
    lambdas: [card.training.lambda],
    // The recorded featurizer weights already carry the title weight the model was selected with.
    titleScales: [1],
    loss: card.training.loss,
    classWeight: card.training.classWeight ?? 'none',
    seed: card.training.seed,
    precisionTarget: minPrecision,
    ...(card.metrics.cvBy !== 'repo' ? { folds: card.metrics.folds } : {}),
    ...(card.training.intercept === false ? { intercept: false } : {}),
  };
}

/** Did a human touch this issue's labels after `cutoff`? (A correction is new evidence even on an old issue.) */
function humanEditAfter(facts: IssueFacts, cutoff: string, isBot: IsBot): boolean {
  const t = Date.parse(cutoff);
  return facts.events.some((e) => Date.parse(e.at) > t && isHuman(e.actor, isBot));
}

export function truthRows(
  issues: readonly IssueFacts[],
  repo: string,
  card: Pick<ModelCard, 'labels' | 'kind'> & { cutoff?: string },
  isBot: IsBot,
): { rows: LabeledIssue[]; counts: TruthCounts } {
  const rows: LabeledIssue[] = [];
  const skipped: Record<string, number> = {};
  let fresh = 0;
  for (const f of issues) {
    const t: MappedTruth = mapTruth(labelTruth(f.labels, f.events, isBot), card.labels, card.kind);
    if ('skip' in t.use) {
      skipped[t.use.skip] = (skipped[t.use.skip] ?? 0) + 1;
      continue;
    }
    rows.push({ repo, title: f.title, body: f.body, labels: t.use.labels, createdAt: f.created_at });
    if (
      card.cutoff === undefined ||
      Date.parse(f.created_at) > Date.parse(card.cutoff) ||
      humanEditAfter(f, card.cutoff, isBot)
    )
      fresh++;
  }
  return { rows, counts: { issues: issues.length, rows: rows.length, newSinceCutoff: fresh, skipped } };
}

const figs = (v: { macroF1: number; precision: number } | undefined): Figures => ({
  macroF1: v?.macroF1 ?? null,
  precision: v?.precision ?? null,
});

function decisionSection(d: RetrainDecision, verdict: HoldoutVerdict, trainRows: number): string {
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  const c = verdict.current;
  const skipped = Object.entries(d.truth?.skipped ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    '## Retraining decision (`label-bot retrain`)',
    '',
    `- Decision: **${d.decision}**${d.dryRun ? ' (dry run)' : ''}: ${d.reason}`,
    `- Compared on the newest ${d.holdout?.n} issues (created from ${d.holdout?.cutoff}); the candidate was trained on the ${trainRows} older ones, then on all of them for this model`,
    '',
    '| model | macro-F1 | precision | coverage |',
    '|---|---|---|---|',
    c ? `| current ${c.version} | ${f(c.macroF1)} | ${f(c.precision)} | ${f(c.coverage)} |` : '| current | – | – | – |',
    `| candidate | ${f(verdict.candidate.macroF1)} | ${f(verdict.candidate.precision)} | ${f(verdict.candidate.coverage)} |`,
    '',
    `- Truth: ${d.truth?.rows} of ${d.truth?.issues} issues carry labels a human stands behind (${d.truth?.newSinceCutoff} new or corrected since the current model's cut-off); left out: ${skipped || 'none'}`,
  ].join('\n');
}

export async function retrainRepo(opts: RetrainRepoOptions): Promise<RetrainDecision> {
  const scope = parseScope(opts.repo);
  const none = { current: null, candidate: null, holdout: null } as const;
  const dry = opts.dryRun ? { dryRun: true as const } : {};
  const pointer = await opts.store.readPointer(scope);
  if (!pointer)
    return { repo: opts.repo, decision: 'skipped', reason: 'no published model: onboard it first', ...none, ...dry };
  const version = pointer.pointer.version;
  const artifacts = await opts.store.readArtifacts(scope, version);
  const card = parseModelJson(artifacts.modelJson, `gs://${opts.store.bucketName}/${opts.repo}@${version}/model.json`);
  const current = { version, macroF1: null, precision: null };

  const { octokit, botLogin } = await opts.github();
  const fetchBar = createProgress({ label: `${opts.repo}: reading issues`, every: 100 });
  const facts = await fetchIssueFacts(octokit, parseRepoArg(opts.repo), opts.workDir, {
    onIssue: (n) => fetchBar.update(n, undefined, 'new or changed issues with their label events'),
  }).finally(() => fetchBar.stop());
  const isBot = botMatcher(botLogin);
  const cutoff = card.training.cutoff;
  const { rows, counts } = truthRows(facts.issues, opts.repo, { ...card, ...(cutoff ? { cutoff } : {}) }, isBot);
  const base = { repo: opts.repo, current, truth: counts, ...dry };
  if (counts.newSinceCutoff === 0) {
    return {
      ...base,
      ...none,
      current,
      decision: 'skipped',
      reason:
        cutoff === undefined
          ? 'no issue carries labels a human stands behind'
          : `nothing new since the current model's cut-off ${cutoff}: no issue created or relabeled by a human after it`,
    };
  }

  const split = splitByTime(rows, opts.holdoutShare, `${opts.repo} issues`);
  const train = trainOptionsOf(card, opts.minPrecision);
  const olderBar = createProgress({ label: `${opts.repo}: training on the older issues` });
  const held = (() => {
    try {
      return evaluateTrainTest(split.train, split.test, {
        train: { ...train, onProgress: (d, t) => olderBar.update(d, t) },
        onWarning: opts.onWarning,
      });
    } finally {
      olderBar.stop();
    }
  })();
  const holdout = { cutoff: split.cutoff, n: split.test.length };
  const { judge, guard } = holdoutGuard({
    store: opts.store,
    scope,
    holdout: split.test,
    candidate: holdoutFigures(held.scored),
    minPrecision: opts.minPrecision,
  });
  const verdict = await judge(version);
  const decided = { ...base, current: { version, ...figs(verdict.current) }, holdout };
  if (!verdict.accept)
    return { ...decided, decision: 'kept', reason: verdict.reason, candidate: figs(verdict.candidate) };
  if (opts.dryRun) {
    return {
      ...decided,
      decision: 'kept',
      reason: `--dry-run: would publish: ${verdict.reason}`,
      candidate: figs(verdict.candidate),
    };
  }

  const modelDir = join(opts.workDir, 'model');
  const allBar = createProgress({ label: `${opts.repo}: training on all issues` });
  let model: ModelCard;
  try {
    model = writeModelDir(modelDir, trainModel(rows, { ...train, onProgress: (d, t) => allBar.update(d, t) }), {
      name: opts.repo,
      seed: card.training.seed,
    });
  } finally {
    allBar.stop();
  }
  let decision: RetrainDecision;
  try {
    const result = await publishModel({ store: opts.store, scope, dir: modelDir, guard });
    decision = result.unchanged
      ? {
          ...decided,
          decision: 'kept',
          reason: `the retrained model is identical to ${version}`,
          candidate: figs(verdict.candidate),
        }
      : {
          ...decided,
          decision: 'published',
          reason: verdict.reason,
          candidate: { version: result.version, ...figs(verdict.candidate) },
        };
  } catch (err) {
    if (!(err instanceof PublishRefusedError)) throw err;
    decision = {
      ...decided,
      decision: 'kept',
      reason: `the registry refused it: ${err.message}`,
      candidate: figs(verdict.candidate),
    };
  }
  const dataFile = join(opts.workDir, 'issues.jsonl');
  const provenance = {
    dataFile,
    fileSha256: createHash('sha256').update(readFileSync(dataFile)).digest('hex'),
    repos: { [opts.repo]: rows.length },
    command: opts.command,
  };
  writeFileSync(
    join(modelDir, 'MODEL_CARD.md'),
    trainingCardMarkdown(model, provenance, [decisionSection(decision, verdict, split.train.length)]),
  );
  return decision;
}
