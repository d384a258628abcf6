/**
 * The production Classifier: featurizer in TypeScript, scoring in onnxruntime-node.
 * One InferenceSession per loaded model; predict() batches issues into one run per chunk.
 */
import ort from 'onnxruntime-node';
import { featurize } from './featurizer';
import { readModelFiles } from './model-files';
import { ModelFileError, modelVersion, parseModelJson, sha256Hex, type ModelCard } from './model-format';
import { toPrediction } from './prediction';
import type { Classifier, IssueText, Prediction } from './types';

/** Issues per session.run: bounds the padded [B,K] tensors when one issue has many features. */
const BATCH = 128;

export type LoadedClassifier = Classifier & { readonly card: ModelCard; readonly source: string };

class OnnxClassifier implements LoadedClassifier {
  readonly version: string;
  readonly labels: readonly string[];

  constructor(
    private readonly session: ort.InferenceSession,
    readonly card: ModelCard,
    readonly source: string,
  ) {
    this.version = modelVersion(card.name, card.onnx.sha256);
    this.labels = card.labels;
  }

  async predict(issues: readonly IssueText[]): Promise<Prediction[]> {
    const vecs = issues.map((i) => featurize(i, this.card.featurizer));
    // Batch issues of similar feature counts together: every row is padded to the longest in its batch.
    const order = vecs.map((_, i) => i).sort((a, b) => vecs[a]!.indices.length - vecs[b]!.indices.length || a - b);
    const out: Prediction[] = new Array(issues.length);
    for (let start = 0; start < order.length; start += BATCH) {
      const chunk = order.slice(start, start + BATCH);
      const B = chunk.length;
      const K = Math.max(1, ...chunk.map((i) => vecs[i]!.indices.length));
      const indices = new Int32Array(B * K);
      const values = new Float32Array(B * K);
      chunk.forEach((vi, r) => {
        const v = vecs[vi]!;
        indices.set(v.indices, r * K);
        values.set(v.values, r * K);
      });
      const result = await this.session.run({
        indices: new ort.Tensor('int32', indices, [B, K]),
        values: new ort.Tensor('float32', values, [B, K]),
      });
      const scores = result.scores!.data as Float32Array;
      chunk.forEach(
        (vi, r) =>
          (out[vi] = toPrediction(this.card.kind, this.labels, this.card.thresholds, scores, r * this.labels.length)),
      );
    }
    return out;
  }
}

/**
 * Builds a classifier from a model's bytes (e.g. downloaded from GCS). `source` names the model in errors
 * (a directory or gs:// prefix): problems are reported as `<source>/model.json: …` or `<source>/model.onnx: …`.
 */
export async function classifierFromArtifacts(
  onnx: Uint8Array,
  modelJson: unknown,
  source: string,
): Promise<LoadedClassifier> {
  const card = parseModelJson(modelJson, `${source}/model.json`);
  if (sha256Hex(onnx) !== card.onnx.sha256) {
    throw new ModelFileError(
      `${source}/model.onnx`,
      'sha256 does not match model.json onnx.sha256 (corrupt or mismatched file)',
    );
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
  } catch (err) {
    throw new ModelFileError(`${source}/model.onnx`, `onnxruntime cannot load it (${(err as Error).message})`);
  }
  const outDims = card.labels.length;
  if (
    !session.inputNames.includes('indices') ||
    !session.inputNames.includes('values') ||
    !session.outputNames.includes('scores')
  ) {
    throw new ModelFileError(
      `${source}/model.onnx`,
      `graph inputs/outputs do not match model.json (want indices, values → scores for ${outDims} labels)`,
    );
  }
  return new OnnxClassifier(session, card, source);
}

/** Loads DIR/model.onnx + DIR/model.json. */
export async function loadClassifier(dir: string): Promise<LoadedClassifier> {
  const { onnx, modelJson } = readModelFiles(dir);
  return classifierFromArtifacts(onnx, modelJson, dir.replace(/\/+$/, ''));
}
