/**
 * Judges a shadow model before it may act: its logged predictions against the labels humans applied.
 * Pure; the GitHub reading lives in feedback-reader.ts.
 */
import { z } from 'zod';

export interface ShadowPrediction {
  /** `owner/repo`, lower-cased. */
  repo: string;
  issue: number;
  labels: string[];
  modelVersion: string;
  /** Log timestamp when known; the latest line per (model, issue) wins. */
  at?: string;
}

const repoField = z.union([
  z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  z.object({ owner: z.string(), name: z.string() }).transform((r) => `${r.owner}/${r.name}`),
]);
const issueField = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);
const labelsField = z.array(z.union([z.string(), z.object({ label: z.string() }).transform((l) => l.label)]));

/**
 * The worker's log line, as pino writes it or as Cloud Logging exports it (`jsonPayload` wraps the pino fields).
 * Field names are accepted in both camelCase and snake_case because the export keeps whatever the worker wrote.
 */
const shadowLine = z.object({
  repo: repoField,
  issue: issueField,
  labels: labelsField,
  modelVersion: z.string().min(1),
  at: z.string().optional(),
});

function pick(obj: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (obj[key] !== undefined) return obj[key];
  return undefined;
}

function normaliseLine(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const outer = raw as Record<string, unknown>;
  const inner = (
    typeof outer.jsonPayload === 'object' && outer.jsonPayload !== null ? outer.jsonPayload : outer
  ) as Record<string, unknown>;
  const prediction = (
    typeof inner.prediction === 'object' && inner.prediction !== null ? inner.prediction : {}
  ) as Record<string, unknown>;
  const decision = (typeof inner.decision === 'object' && inner.decision !== null ? inner.decision : {}) as Record<
    string,
    unknown
  >;
  return {
    repo: pick(inner, 'repo', 'repository', 'repo_full_name'),
    issue: pick(inner, 'issue', 'issue_number', 'issueNumber', 'number'),
    labels:
      pick(inner, 'predictedLabels', 'predicted_labels', 'predicted') ??
      pick(prediction, 'labels') ??
      pick(decision, 'add', 'labels', 'wouldAdd') ??
      pick(inner, 'labels'),
    modelVersion: pick(inner, 'modelVersion', 'model_version', 'model') ?? pick(prediction, 'modelVersion'),
    at: pick(outer, 'timestamp', 'time') ?? pick(inner, 'time', 'timestamp'),
  };
}

/** A log line is a shadow prediction when it says so; lines without a `mode` are taken as such (a filtered export). */
function isShadow(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const outer = raw as Record<string, unknown>;
  const inner = (
    typeof outer.jsonPayload === 'object' && outer.jsonPayload !== null ? outer.jsonPayload : outer
  ) as Record<string, unknown>;
  const mode = inner.mode ?? (inner.decision as Record<string, unknown> | undefined)?.mode;
  return mode === undefined || mode === 'shadow';
}

export interface ParsedShadowLog {
  predictions: ShadowPrediction[];
  /** 1-based line numbers that were not shadow predictions (other log lines, act-mode lines, garbage). */
  skippedLines: number[];
}

/**
 * JSONL (one entry per line, as `gcloud logging read --format=json | jq -c '.[]'` or a Logging sink writes it),
 * or the JSON array `gcloud logging read --format=json` prints. Line numbers are array positions (1-based) then.
 */
export function parseShadowLog(text: string): ParsedShadowLog {
  const predictions: ShadowPrediction[] = [];
  const skippedLines: number[] = [];
  const take = (raw: unknown, lineNo: number) => {
    const parsed = isShadow(raw) ? shadowLine.safeParse(normaliseLine(raw)) : null;
    if (!parsed?.success) {
      skippedLines.push(lineNo);
      return;
    }
    const { at, ...rest } = parsed.data;
    predictions.push({ ...rest, repo: rest.repo.toLowerCase(), ...(typeof at === 'string' ? { at } : {}) });
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    const entries = JSON.parse(trimmed) as unknown[];
    entries.forEach((raw, i) => take(raw, i + 1));
    return { predictions, skippedLines };
  }
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      skippedLines.push(i + 1);
      return;
    }
    take(raw, i + 1);
  });
  return { predictions, skippedLines };
}

export interface LabelScores {
  label: string;
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
}

export interface ShadowModelReport {
  modelVersion: string;
  /** Issues with a prediction and at least one human label: the ones judged. */
  issuesEvaluated: number;
  /** Predicted issues no human has labeled yet: not judged, since "no label yet" is not "wrong". */
  issuesUntriaged: number;
  /** Predicted issues GitHub no longer shows (deleted, transferred, or outside the listing). */
  issuesMissing: number;
  labels: LabelScores[];
}

/**
 * What GitHub says about one issue's labels. `human`: labels a human applied (the truth). `botKept`: labels the bot
 * applied that are still there. In shadow mode the universal model keeps labeling, and a human who agrees with its
 * label leaves it alone, so a bot label nobody removed is neither confirmed nor refuted: those (issue, label) pairs
 * are not scored. A plain array means "all human".
 */
export interface IssueTruth {
  human: readonly string[];
  botKept: readonly string[];
}

/**
 * Per model version, per label precision and recall of the shadow predictions against human labels.
 * Labels scored: every label the model predicted at least once, plus `extraLabels` (e.g. the model's label list),
 * because recall is meaningless for labels the model cannot produce (priorities, areas…).
 */
export function compareShadow(
  predictions: readonly ShadowPrediction[],
  truthByIssue: ReadonlyMap<number, readonly string[] | IssueTruth>,
  extraLabels: readonly string[] = [],
): ShadowModelReport[] {
  const latest = new Map<string, ShadowPrediction>();
  for (const p of predictions) {
    const key = `${p.modelVersion}#${p.issue}`;
    const prev = latest.get(key);
    if (!prev || (p.at ?? '') >= (prev.at ?? '')) latest.set(key, p);
  }
  const byModel = new Map<string, ShadowPrediction[]>();
  for (const p of latest.values()) {
    const list = byModel.get(p.modelVersion) ?? [];
    list.push(p);
    byModel.set(p.modelVersion, list);
  }

  return [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([modelVersion, preds]) => {
      const universe = new Set<string>(extraLabels);
      for (const p of preds) for (const l of p.labels) universe.add(l);
      const counts = new Map<string, { tp: number; fp: number; fn: number }>();
      for (const l of universe) counts.set(l, { tp: 0, fp: 0, fn: 0 });
      let issuesEvaluated = 0;
      let issuesUntriaged = 0;
      let issuesMissing = 0;
      for (const p of preds) {
        const entry = truthByIssue.get(p.issue);
        if (entry === undefined) {
          issuesMissing++;
          continue;
        }
        const { human, botKept } = Array.isArray(entry) ? { human: entry, botKept: [] } : (entry as IssueTruth);
        if (human.length === 0) {
          issuesUntriaged++;
          continue;
        }
        issuesEvaluated++;
        const truth = new Set(human);
        const unknown = new Set(botKept);
        const predicted = new Set(p.labels);
        for (const [label, c] of counts) {
          if (unknown.has(label) && !truth.has(label)) continue;
          if (predicted.has(label) && truth.has(label)) c.tp++;
          else if (predicted.has(label)) c.fp++;
          else if (truth.has(label)) c.fn++;
        }
      }
      const labels = [...counts.entries()]
        .map(([label, c]) => ({
          label,
          ...c,
          precision: c.tp + c.fp === 0 ? null : c.tp / (c.tp + c.fp),
          recall: c.tp + c.fn === 0 ? null : c.tp / (c.tp + c.fn),
        }))
        .sort((a, b) => a.label.localeCompare(b.label));
      return { modelVersion, issuesEvaluated, issuesUntriaged, issuesMissing, labels };
    });
}
