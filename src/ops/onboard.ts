/**
 * `label-bot onboard owner/repo`: fetch the history, choose the classes, measure on the newest issues (a model
 * trained only on the older ones), train on everything, and publish when the measured precision clears the rule and
 * the one guard accepts it (src/ops/holdout-guard.ts: it beats the current model, if any, on those same newest issues). The CLI command (src/cli/commands/onboard.ts) prints what this returns.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabeledIssue } from '../ml/dataset';
import { appliedByLabel, evaluateTrainTest, type AppliedFigures } from '../ml/evaluate';
import { writeModelDir } from '../ml/model-io';
import { compareOnHoldout, holdoutFigures } from '../ml/holdout-compare';
import { splitByTime } from '../ml/time-split';
import { trainModel, type TrainOptions } from '../ml/train';
import { trainingCardMarkdown } from '../ml/training-card';
import { parseScope, publishModel, PublishRefusedError, type GcsModelStore, type PublishResult } from '../registry';
import { botLabelCounts, chooseClasses, type ClassChoice, type ClassChoiceOptions } from './onboard-classes';
import { fetchHistory, type HistoryOptions } from './onboard-fetch';
import { holdoutGuard } from './holdout-guard';
import { createProgress } from './progress';

export interface OnboardOptions {
  repo: string;
  /** Holds issues.jsonl (the resumable download) and model/ (the trained model). */
  workDir: string;
  fetch: HistoryOptions;
  classes: ClassChoiceOptions;
  train: TrainOptions;
  seed: number;
  testShare: number;
  /** The precision rule: applied labels on the newest issues must be at least this precise. */
  minPrecision: number;
  /** Undefined: measure and train only (`--no-publish`). */
  store?: Pick<
    GcsModelStore,
    'readPointer' | 'readModelJson' | 'listVersions' | 'uploadVersion' | 'writePointer' | 'bucketName' | 'readArtifacts'
  >;
  command: string;
  onWarning: (m: string) => void;
}

export interface OnboardResult {
  repo: string;
  issues: { total: number; resumed: number; fetched: number };
  botLabels: Record<string, number>;
  choice: Omit<ClassChoice, 'rows'> & { rows: number };
  holdout: {
    cutoff: string;
    trainRows: number;
    testRows: number;
    applied: AppliedFigures;
    macroF1: number;
    perLabel: ReturnType<typeof appliedByLabel>;
  };
  modelDir: string;
  /** Why nothing was published, or the publish result. */
  decision: { published: true; result: PublishResult } | { published: false; reason: string };
}

export async function onboard(opts: OnboardOptions): Promise<OnboardResult> {
  const file = join(opts.workDir, 'issues.jsonl');
  // No total is known while listing: off a terminal, a line every 100 issues (and every 5 s), not one per issue.
  const fetchBar = createProgress({ label: 'fetching issues', every: 100 });
  const history = await fetchHistory(opts.repo, file, {
    ...opts.fetch,
    onIssue: (n) => fetchBar.update(n, undefined, 'issues with their label history'),
  }).finally(() => fetchBar.stop());
  const labeled: LabeledIssue[] = history.rows.map((r) => ({
    repo: r.repo,
    title: r.title,
    body: r.body,
    labels: r.labels,
    createdAt: r.created_at,
  }));
  const choice = chooseClasses(labeled, opts.classes);
  if (choice.classes.length < 2) {
    const found = choice.classes.map((c) => `"${c.label}" (${c.issues})`).join(', ') || 'none';
    throw new Error(
      `${opts.repo}: ${history.rows.length} issues give ${choice.classes.length} usable label(s) (${found}); a classifier needs at least 2 with ` +
        `--min-examples ${opts.classes.minExamples} issues each (see --labels, --label-map, --exclude, --min-examples)`,
    );
  }

  const split = splitByTime(choice.rows, opts.testShare, file);
  const evalBar = createProgress({ label: 'training on the older issues' });
  const held = (() => {
    try {
      return evaluateTrainTest(split.train, split.test, {
        train: { ...opts.train, onProgress: (d, t) => evalBar.update(d, t) },
        onWarning: opts.onWarning,
      });
    } finally {
      evalBar.stop();
    }
  })();

  const modelDir = join(opts.workDir, 'model');
  const trainBar = createProgress({ label: 'training on all issues' });
  try {
    const model = trainModel(choice.rows, { ...opts.train, onProgress: (d, t) => trainBar.update(d, t) });
    const card = writeModelDir(modelDir, model, { name: opts.repo, seed: opts.seed });
    const provenance = {
      dataFile: file,
      fileSha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
      repos: { [opts.repo]: choice.rows.length },
      command: opts.command,
    };
    writeFileSync(join(modelDir, 'MODEL_CARD.md'), trainingCardMarkdown(card, provenance));
  } finally {
    trainBar.stop();
  }

  const holdout = {
    cutoff: split.cutoff,
    trainRows: split.train.length,
    testRows: split.test.length,
    applied: held.applied,
    macroF1: held.macroF1,
    perLabel: appliedByLabel(held.scored),
  };
  let decision: OnboardResult['decision'];
  // The one guard (src/ml/holdout-compare.ts): the precision rule first, then, at publish time, the current model
  // scored on the same newest issues.
  const candidate = holdoutFigures(held.scored);
  const alone = compareOnHoldout({ candidate, minPrecision: opts.minPrecision });
  if (!alone.accept) decision = { published: false, reason: alone.reason };
  else if (!opts.store) decision = { published: false, reason: '--no-publish' };
  else {
    const scope = parseScope(opts.repo);
    const { guard } = holdoutGuard({
      store: opts.store,
      scope,
      holdout: split.test,
      candidate,
      minPrecision: opts.minPrecision,
    });
    try {
      decision = { published: true, result: await publishModel({ store: opts.store, scope, dir: modelDir, guard }) };
    } catch (err) {
      if (!(err instanceof PublishRefusedError)) throw err;
      decision = { published: false, reason: `the registry refused it: ${err.message}` };
    }
  }
  const { rows, ...rest } = choice;
  const result: OnboardResult = {
    repo: opts.repo,
    issues: { total: history.rows.length, resumed: history.resumed, fetched: history.fetched },
    botLabels: botLabelCounts(history.rows),
    choice: { ...rest, rows: rows.length },
    holdout,
    modelDir,
    decision,
  };
  writeFileSync(join(opts.workDir, 'onboard.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
