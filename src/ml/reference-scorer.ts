/**
 * Pure-TypeScript scoring of a model (same featurizer, same float32 weights, float64 accumulation).
 * It is the reference the golden test holds ONNX Runtime to, and a fallback that needs no native add-on; the
 * arithmetic itself is linear-scorer.ts, shared with the trainer and `evaluate`.
 */
import { featurize } from './featurizer';
import { scoreVector } from './linear-scorer';
import { ModelFileError, parseModelJson, sha256Hex, type ModelCard } from './model-format';
import { readOnnxWeights } from './onnx-export';
import { toPrediction } from './prediction';
import type { SparseVector } from './sparse-vector';
import type { IssueText, Prediction } from './types';

export class ReferenceScorer {
  constructor(
    readonly card: Pick<ModelCard, 'kind' | 'labels' | 'thresholds' | 'featurizer'>,
    private readonly W: Float32Array,
    private readonly b: Float32Array,
  ) {
    if (W.length !== card.featurizer.dim * card.labels.length)
      throw new Error('weight matrix does not match dim × labels');
  }

  scoreVector(v: SparseVector): Float64Array {
    return scoreVector({ kind: this.card.kind, labels: this.card.labels, W: this.W, b: this.b }, v);
  }

  score(issue: IssueText): Float64Array {
    return this.scoreVector(featurize(issue, this.card.featurizer));
  }

  predict(issues: readonly IssueText[]): Prediction[] {
    return issues.map((i) => toPrediction(this.card.kind, this.card.labels, this.card.thresholds, this.score(i)));
  }
}

/** Reference scorer over a model's artifacts (bytes of model.onnx, parsed model.json). */
export function referenceScorerFromArtifacts(onnx: Uint8Array, modelJson: unknown, source: string): ReferenceScorer {
  const card = parseModelJson(modelJson, `${source}/model.json`);
  if (sha256Hex(onnx) !== card.onnx.sha256)
    throw new ModelFileError(`${source}/model.onnx`, 'sha256 does not match model.json (corrupt or mismatched file)');
  let weights;
  try {
    weights = readOnnxWeights(onnx);
  } catch (err) {
    throw new ModelFileError(`${source}/model.onnx`, (err as Error).message);
  }
  return new ReferenceScorer(card, weights.W, weights.b);
}
