import type { Classifier, IssueText, Prediction } from '../../src/ml/types';

/**
 * Deterministic stand-in for a model: scores come from keywords in the title/body, so tests can steer decisions.
 * Threshold 0.5 for every label unless given.
 */
export class KeywordClassifier implements Classifier {
  readonly labels: readonly string[];
  calls = 0;
  constructor(
    readonly version = 'fake/1',
    private readonly keywords: Record<string, string> = { bug: 'crash', feature: 'please add', question: 'how do i' },
    private readonly thresholds: Record<string, number | null> = {},
  ) {
    this.labels = Object.keys(keywords);
  }

  async predict(issues: readonly IssueText[]): Promise<Prediction[]> {
    this.calls++;
    return issues.map((issue) => {
      const text = `${issue.title}\n${issue.body ?? ''}`.toLowerCase();
      const scores = this.labels
        .map((label) => {
          const hit = text.includes(this.keywords[label]!);
          const threshold = label in this.thresholds ? this.thresholds[label]! : 0.5;
          return { label, score: hit ? 0.9 : 0.05, threshold };
        })
        .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
      return {
        scores,
        labels: scores.filter((s) => s.threshold !== null && s.score >= s.threshold).map((s) => s.label),
      };
    });
  }
}

/** Fixed scores, for threshold tests. */
export function fixedPrediction(scores: Record<string, number>, threshold = 0.5): Prediction {
  const list = Object.entries(scores)
    .map(([label, score]) => ({ label, score, threshold }))
    .sort((a, b) => b.score - a.score);
  return { scores: list, labels: list.filter((s) => s.score >= threshold).map((s) => s.label) };
}
