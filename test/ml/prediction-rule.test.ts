import { describe, expect, it } from 'vitest';
import { plainDecision, predictedIndices, thresholdDecision, toPrediction } from '../../src/ml/prediction';

describe('prediction rule', () => {
  const labels = ['bug', 'feature', 'question'];
  const thresholds = [0.58, 0.54, 0.2];

  it('a single-label model predicts only its top label, even when a runner-up clears its own threshold', () => {
    // The case that labeled "crash in the app" as a question: bug on top but under 0.58, question 0.22 over 0.20.
    const scores = [0.46, 0.32, 0.22];
    expect(toPrediction('single', labels, thresholds, scores).labels).toEqual([]);
    expect(toPrediction('single', labels, thresholds, [0.7, 0.1, 0.2]).labels).toEqual(['bug']);
    expect(toPrediction('single', labels, thresholds, [0.1, 0.15, 0.75]).labels).toEqual(['question']);
  });

  it('a multi-label model predicts every label that clears its threshold, highest first', () => {
    expect(toPrediction('multi', labels, thresholds, [0.6, 0.1, 0.9]).labels).toEqual(['question', 'bug']);
  });

  it('a label without a threshold is never predicted', () => {
    expect(predictedIndices('single', [0.9, 0.05, 0.05], [null, 0.5, 0.5])).toEqual([]);
    expect(predictedIndices('multi', [0.9, 0.6, 0.05], [null, 0.5, 0.5])).toEqual([1]);
  });

  it('reads scores at an offset, as batched ONNX outputs are laid out', () => {
    expect(predictedIndices('single', [0.9, 0.05, 0.05, 0.1, 0.8, 0.1], thresholds, 3)).toEqual([1]);
  });

  it('names the decisions: thresholds as served, and the threshold-free one model selection compares candidates with', () => {
    expect(thresholdDecision('single', labels, [0.46, 0.32, 0.22], thresholds)).toEqual([]);
    expect(plainDecision('single', labels, [0.46, 0.32, 0.22], 0)).toEqual(['bug']);
    expect(plainDecision('multi', labels, [0, 0, 0, 0.5, 0.2, 0.9], 3)).toEqual(['bug', 'question']);
  });
});
