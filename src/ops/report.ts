/**
 * `label-bot report`: reads feedback from GitHub, computes live precision (and, given a shadow log, the shadow
 * model's precision/recall), renders tables and per-label plots. GitHub reading and figures stay in their own modules.
 */
import { readIssuesByNumber, readRepoFeedback, type IssueSnapshot } from './feedback-reader';
import { normaliseIso } from './issue-listing';
import type { GitHubClient } from '../vocabulary';
import {
  botMatcher,
  figures,
  humanAppliedLabels,
  labelOutcomes,
  precisionByLabel,
  weeklyPrecision,
  type LabelPrecision,
  type PrecisionFigures,
  type WeeklyPoint,
} from './live-precision';
import { writePrecisionPlots } from './precision-plot';
import { compareShadow, parseShadowLog, type IssueTruth, type ShadowModelReport } from './shadow-compare';
import { fmtRatio, renderTable } from './text-table';

export interface ReportOptions {
  owner: string;
  repo: string;
  since?: string;
  /** The app's bot login (e.g. `label-bot[bot]`); without it every Bot actor counts as the bot. */
  botLogin?: string;
  /** Contents of a shadow log export (JSONL). */
  shadowLog?: string;
  /** Labels to score in the shadow comparison even if the model never predicted them. */
  shadowLabels?: string[];
  /** Leave out labels applied in the last N days, which nobody has had time to judge. */
  settleDays?: number;
  /** Clock for `settleDays`. */
  now?: () => Date;
  /** Directory for the per-label SVG plots; none written without it. */
  outDir?: string;
  onIssue?: (done: number, total: number) => void;
}

export interface ShadowSection {
  predictions: number;
  skippedLines: number;
  models: ShadowModelReport[];
}

export interface LiveReport {
  repo: string;
  since: string | null;
  /** Labels applied after this instant were left out (`--settle-days`). */
  settledBefore: string | null;
  botLogin: string | null;
  issuesScanned: number;
  overall: PrecisionFigures;
  labels: LabelPrecision[];
  weekly: WeeklyPoint[];
  plots: string[];
  shadow: ShadowSection | null;
}

export async function buildReport(octokit: GitHubClient, opts: ReportOptions): Promise<LiveReport> {
  const since = opts.since ? normaliseIso(opts.since) : undefined;
  const isBot = botMatcher(opts.botLogin);
  const snapshots = await readRepoFeedback(octokit, {
    owner: opts.owner,
    repo: opts.repo,
    isBot,
    ...(since ? { since } : {}),
    ...(opts.onIssue ? { onIssue: opts.onIssue } : {}),
  });
  const settledBefore = opts.settleDays
    ? new Date((opts.now?.() ?? new Date()).getTime() - opts.settleDays * 86_400_000).toISOString()
    : undefined;
  const outcomes = labelOutcomes(snapshots, isBot, since, settledBefore);
  const weekly = weeklyPrecision(outcomes);
  const plots = opts.outDir ? await writePrecisionPlots(opts.outDir, weekly) : [];

  let shadow: ShadowSection | null = null;
  if (opts.shadowLog !== undefined) {
    shadow = await shadowSection(octokit, opts, snapshots, isBot, since);
  }
  return {
    repo: `${opts.owner}/${opts.repo}`,
    since: since ?? null,
    settledBefore: settledBefore ?? null,
    botLogin: opts.botLogin ?? null,
    issuesScanned: snapshots.length,
    overall: figures(outcomes),
    labels: precisionByLabel(outcomes),
    weekly,
    plots,
    shadow,
  };
}

async function shadowSection(
  octokit: GitHubClient,
  opts: ReportOptions,
  snapshots: readonly IssueSnapshot[],
  isBot: ReturnType<typeof botMatcher>,
  since: string | undefined,
): Promise<ShadowSection> {
  const parsed = parseShadowLog(opts.shadowLog ?? '');
  const repoName = `${opts.owner}/${opts.repo}`.toLowerCase();
  const predictions = parsed.predictions.filter((p) => p.repo === repoName && (!since || !p.at || p.at >= since));
  const known = new Map(snapshots.map((s) => [s.number, s]));
  const truth = new Map<number, IssueTruth>();
  const truthOf = (snap: { labels: string[]; events: IssueSnapshot['events'] }): IssueTruth => {
    const human = humanAppliedLabels(snap.labels, snap.events, isBot);
    return { human, botKept: snap.labels.filter((l) => !human.includes(l)) };
  };
  const unread: number[] = [];
  for (const n of new Set(predictions.map((p) => p.issue))) {
    const snap = known.get(n);
    if (snap) truth.set(n, truthOf(snap));
    else unread.push(n);
  }
  // Predicted issues outside the listing window (e.g. not updated since --since) are read one by one.
  for (const [n, snap] of await readIssuesByNumber(octokit, opts.owner, opts.repo, unread)) truth.set(n, truthOf(snap));
  return {
    predictions: predictions.length,
    skippedLines: parsed.skippedLines.length,
    models: compareShadow(predictions, truth, opts.shadowLabels ?? []),
  };
}

export function renderReport(r: LiveReport): string {
  const lines: string[] = [];
  lines.push(
    `Live precision for ${r.repo}${r.since ? ` since ${r.since}` : ''}` +
      `${r.settledBefore ? ` (labels applied after ${r.settledBefore} left out to settle)` : ''} ` +
      `(bot: ${r.botLogin ?? 'any Bot account'}; ${r.issuesScanned} issues scanned)`,
    '',
  );
  const row = (name: string, f: PrecisionFigures) => [
    name,
    String(f.applied),
    String(f.kept),
    String(f.removed),
    fmtRatio(f.labelPrecision),
    String(f.up),
    String(f.down),
    fmtRatio(f.reactionPrecision),
    fmtRatio(f.combinedPrecision),
  ];
  if (r.labels.length === 0) {
    lines.push('The bot applied no labels in this window.');
  } else {
    lines.push(
      renderTable(
        ['label', 'applied', 'kept', 'removed', 'precision', '👍', '👎', 'reaction prec.', 'combined'],
        [...r.labels.map((l) => row(l.label, l)), row('(all)', r.overall)],
      ),
    );
    if (r.overall.removedByBot > 0) {
      lines.push('', `${r.overall.removedByBot} bot label(s) removed by another bot are not counted either way.`);
    }
  }
  if (r.plots.length > 0) lines.push('', `Plots: ${r.plots.join(', ')}`);
  if (r.shadow) {
    lines.push(
      '',
      `Shadow comparison: ${r.shadow.predictions} predictions for this repo` +
        (r.shadow.skippedLines > 0 ? ` (${r.shadow.skippedLines} log lines were not shadow predictions)` : ''),
    );
    for (const m of r.shadow.models) {
      lines.push(
        '',
        `model ${m.modelVersion}: ${m.issuesEvaluated} issues judged, ${m.issuesUntriaged} not yet labeled by a human, ` +
          `${m.issuesMissing} missing`,
        renderTable(
          ['label', 'tp', 'fp', 'fn', 'precision', 'recall'],
          m.labels.map((l) => [
            l.label,
            String(l.tp),
            String(l.fp),
            String(l.fn),
            fmtRatio(l.precision),
            fmtRatio(l.recall),
          ]),
        ),
      );
    }
  }
  return lines.join('\n');
}
