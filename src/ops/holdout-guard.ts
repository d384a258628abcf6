/**
 * The registry side of the one publish rule (src/ml/holdout-compare.ts): scores the *current* published model on the
 * same newest-issues holdout the candidate was measured on, and compares. `publish --holdout-data`, `onboard` and
 * `retrain` build their guard here and hand it to `publishModel`, so the decision and the refusal are the same code.
 */
import { readJsonl, type LabeledIssue } from '../ml/dataset';
import { splitByTime } from '../ml/time-split';
import { evaluateClassifier } from '../ml/evaluate';
import { compareOnHoldout, holdoutFigures, type HoldoutFigures, type HoldoutVerdict } from '../ml/holdout-compare';
import { scopeKey, type GcsModelStore, type ModelScope, type PublishGuard } from '../registry';

export interface HoldoutGuardOptions {
  store: Pick<GcsModelStore, 'readArtifacts' | 'bucketName'>;
  scope: ModelScope;
  /** The newest issues, held out from the candidate's training. */
  holdout: readonly LabeledIssue[];
  /** The candidate's figures on `holdout` (trained without those rows). */
  candidate: HoldoutFigures;
  minPrecision: number;
}

export interface HoldoutGuard {
  /** The verdict against `currentVersion` (null: no current model); computed once per version. */
  judge(currentVersion: string | null): Promise<HoldoutVerdict>;
  /** For publishModel: the same verdict. */
  guard: PublishGuard;
}

/** Scores a published version on rows, through the same ONNX path the worker labels with. */
export async function scorePublished(
  store: HoldoutGuardOptions['store'],
  scope: ModelScope,
  version: string,
  rows: readonly LabeledIssue[],
): Promise<HoldoutFigures> {
  const { onnx, modelJson } = await store.readArtifacts(scope, version);
  // Imported lazily, as ml-loaders.ts does: onnxruntime-node is heavy and only needed once a model is scored.
  const { classifierFromArtifacts } = await import('../ml/onnx-classifier');
  const source = `gs://${store.bucketName}/${scopeKey(scope)}@${version}`;
  const classifier = await classifierFromArtifacts(onnx, modelJson, source);
  return holdoutFigures((await evaluateClassifier(classifier, rows)).scored);
}

export function holdoutGuard(opts: HoldoutGuardOptions): HoldoutGuard {
  const verdicts = new Map<string | null, Promise<HoldoutVerdict>>();
  const decide = async (version: string | null): Promise<HoldoutVerdict> => {
    if (version === null) return compareOnHoldout({ candidate: opts.candidate, minPrecision: opts.minPrecision });
    let current: HoldoutFigures;
    try {
      current = await scorePublished(opts.store, opts.scope, version, opts.holdout);
    } catch (err) {
      // A current model this build cannot run cannot be compared; replacing it blind is the operator's call.
      return {
        accept: false,
        candidate: opts.candidate,
        reason: `current ${version} cannot be scored on the newest issues (${(err as Error).message.split('\n')[0]}); replacing it takes \`label-bot publish --force\``,
      };
    }
    return compareOnHoldout({
      candidate: opts.candidate,
      current: { ...current, version },
      minPrecision: opts.minPrecision,
    });
  };
  const judge = (version: string | null): Promise<HoldoutVerdict> => {
    let v = verdicts.get(version);
    if (!v) verdicts.set(version, (v = decide(version)));
    return v;
  };
  return { judge, guard: judge };
}

/**
 * `publish DIR --holdout-data F`: the candidate is a model directory trained elsewhere, scored here on the newest
 * share of F. When its own training reached into that holdout (`training.cutoff` at or after the holdout's first
 * issue) the comparison flatters it; the note says so, and the operator decides.
 */
export async function holdoutGuardForDir(opts: {
  dir: string;
  dataFile: string;
  share: number;
  store: HoldoutGuardOptions['store'];
  scope: ModelScope;
  minPrecision: number;
}): Promise<HoldoutGuard & { holdout: { cutoff: string; n: number }; note?: string }> {
  const split = splitByTime(readJsonl(opts.dataFile), opts.share, opts.dataFile);
  const { loadClassifier } = await import('../ml/onnx-classifier');
  const classifier = await loadClassifier(opts.dir);
  const candidate = holdoutFigures((await evaluateClassifier(classifier, split.test)).scored);
  const trainedTo = classifier.card.training.cutoff;
  const note =
    trainedTo !== undefined && Date.parse(trainedTo) >= Date.parse(split.cutoff)
      ? `the candidate was trained on issues up to ${trainedTo}, inside the holdout (from ${split.cutoff}): its figures are optimistic`
      : undefined;
  const guard = holdoutGuard({
    store: opts.store,
    scope: opts.scope,
    holdout: split.test,
    candidate,
    minPrecision: opts.minPrecision,
  });
  return { ...guard, holdout: { cutoff: split.cutoff, n: split.test.length }, ...(note ? { note } : {}) };
}
