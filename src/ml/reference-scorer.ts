/**
 * Pure-TypeScript scoring of a model (same featurizer, same float32 weights, float64 accumulation).
 * It is the reference the golden test holds ONNX Runtime to, and a fallback that needs no native add-on.
 */
import { featurize, type SparseVector } from './featurizer';
import { ModelFileError, parseModelJson, sha256Hex, type ModelCard } from './model-format';
import { readOnnxWeights } from './onnx-export';
import { toPrediction } from './prediction';
import type { IssueText, Prediction } from './types';

export class ReferenceScorer {
  constructor(
    readonly card: Pick<ModelCard, 'kind' | 'labels' | 'thresholds' | 'featurizer'>,
    private readonly W: Float32Array,
    private readonly b: Float32Array,
  ) {
    if (W.length !== card.featurizer.dim * card.labels.length) throw new Error('weight matrix does not match dim × labels');
  }

  scoreVector(v: SparseVector): Float64Array {
    const C = this.card.labels.length;
    const z = new Float64Array(C);
    for (let c = 0; c < C; c++) z[c] = this.b[c]!;
    for (let j = 0; j < v.indices.length; j++) {
      const base = v.indices[j]! * C;
      const x = v.values[j]!;
      for (let c = 0; c < C; c++) z[c]! += x * this.W[base + c]!;
    }
    if (this.card.kind === 'single') {
      const max = Math.max(...z);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += z[c] = Math.exp(z[c]! - max);
      for (let c = 0; c < C; c++) z[c]! /= sum;
    } else {
      for (let c = 0; c < C; c++) z[c] = 1 / (1 + Math.exp(-z[c]!));
    }
    return z;
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
  if (sha256Hex(onnx) !== card.onnx.sha256) throw new ModelFileError(`${source}/model.onnx`, 'sha256 does not match model.json (corrupt or mismatched file)');
  let weights;
  try {
    weights = readOnnxWeights(onnx);
  } catch (err) {
    throw new ModelFileError(`${source}/model.onnx`, (err as Error).message);
  }
  return new ReferenceScorer(card, weights.W, weights.b);
}
