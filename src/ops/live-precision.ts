/**
 * Live precision of the bot's labels, computed from what humans did afterwards on GitHub.
 * Pure: callers read GitHub (see feedback-reader.ts) and hand the facts in, so the figures are testable on fixtures.
 *
 * Formulas (documented in docs/ops.md, keep both in step):
 *   label precision    = kept / (kept + removed)
 *   reaction precision = 👍 / (👍 + 👎)
 *   combined precision = (kept + 👍) / (kept + removed + 👍 + 👎)
 * where, per (issue, label) the bot applied: `removed` = a human later removed it, `kept` = it was never removed,
 * and a removal by another bot counts in neither (no human judged it). A reaction on the bot's comment judges the
 * whole comment, so it counts once for every label the bot applied on that issue.
 */

export interface Actor {
  login: string;
  /** REST `actor.type`: `User`, `Bot`, `Organization`… */
  type: string;
}

export interface LabelEvent {
  kind: 'labeled' | 'unlabeled';
  label: string;
  /** ISO timestamp. */
  at: string;
  actor: Actor | null;
}

export interface ReactionCounts {
  up: number;
  down: number;
}

export interface IssueFeedback {
  number: number;
  /** Label events in any order; sorted here. */
  events: LabelEvent[];
  /** Human 👍/👎 on the bot's marked comment; null when the issue has no such comment. */
  reactions: ReactionCounts | null;
}

/** Decides whether an actor is the bot (see `botMatcher`). */
export type IsBot = (actor: Actor | null) => boolean;

/**
 * With a known login only that account is the bot. Without one every `Bot` actor counts, which over-attributes
 * when other bots label too: docs/ops.md tells operators to pass `--bot-login` in that case.
 */
export function botMatcher(botLogin?: string): IsBot {
  if (botLogin) {
    const login = botLogin.toLowerCase();
    return (actor) => actor !== null && actor.login.toLowerCase() === login;
  }
  return (actor) => actor !== null && actor.type === 'Bot';
}

/** A ghost (deleted) account is not the bot; GitHub reports it as a null actor or `ghost`. */
export function isHuman(actor: Actor | null, isBot: IsBot): boolean {
  return actor !== null && !isBot(actor) && actor.type !== 'Bot';
}

export type Outcome = 'kept' | 'removed' | 'removed-by-bot';

export interface LabelOutcome {
  issue: number;
  label: string;
  appliedAt: string;
  outcome: Outcome;
  /** When the outcome is a removal. */
  removedAt?: string;
  up: number;
  down: number;
}

function byTime(a: LabelEvent, b: LabelEvent): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

/**
 * One outcome per (issue, label) the bot applied at or after `since`. Only the bot's first application counts:
 * the labeler never re-adds a label a human removed, so a later re-application is another bot's or a human's doing.
 */
export function labelOutcomes(
  issues: readonly IssueFeedback[],
  isBot: IsBot,
  since?: string,
  /** Leave out applications after this instant: too recent for humans to have reacted (`report --settle-days`). */
  settledBefore?: string,
): LabelOutcome[] {
  const outcomes: LabelOutcome[] = [];
  for (const issue of issues) {
    const events = [...issue.events].sort(byTime);
    const seen = new Set<string>();
    for (const [i, ev] of events.entries()) {
      if (ev.kind !== 'labeled' || !isBot(ev.actor) || seen.has(ev.label)) continue;
      seen.add(ev.label);
      if (since && ev.at < since) continue;
      if (settledBefore && ev.at > settledBefore) continue;
      const removal = events.slice(i + 1).find((later) => later.kind === 'unlabeled' && later.label === ev.label);
      let outcome: Outcome = 'kept';
      if (removal) outcome = isHuman(removal.actor, isBot) ? 'removed' : 'removed-by-bot';
      outcomes.push({
        issue: issue.number,
        label: ev.label,
        appliedAt: ev.at,
        outcome,
        ...(removal ? { removedAt: removal.at } : {}),
        up: issue.reactions?.up ?? 0,
        down: issue.reactions?.down ?? 0,
      });
    }
  }
  return outcomes;
}

export interface PrecisionFigures {
  applied: number;
  kept: number;
  removed: number;
  removedByBot: number;
  up: number;
  down: number;
  /** kept / (kept + removed); null when nothing was judged. */
  labelPrecision: number | null;
  /** 👍 / (👍 + 👎); null without reactions. */
  reactionPrecision: number | null;
  /** (kept + 👍) / (kept + removed + 👍 + 👎). */
  combinedPrecision: number | null;
}

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

export function figures(outcomes: readonly LabelOutcome[]): PrecisionFigures {
  let kept = 0;
  let removed = 0;
  let removedByBot = 0;
  let up = 0;
  let down = 0;
  for (const o of outcomes) {
    if (o.outcome === 'kept') kept++;
    else if (o.outcome === 'removed') removed++;
    else removedByBot++;
    up += o.up;
    down += o.down;
  }
  return {
    applied: outcomes.length,
    kept,
    removed,
    removedByBot,
    up,
    down,
    labelPrecision: ratio(kept, kept + removed),
    reactionPrecision: ratio(up, up + down),
    combinedPrecision: ratio(kept + up, kept + removed + up + down),
  };
}

export interface LabelPrecision extends PrecisionFigures {
  label: string;
}

/** Per-label figures, labels sorted by how often the bot applied them, then by name. */
export function precisionByLabel(outcomes: readonly LabelOutcome[]): LabelPrecision[] {
  const groups = new Map<string, LabelOutcome[]>();
  for (const o of outcomes) {
    const list = groups.get(o.label) ?? [];
    list.push(o);
    groups.set(o.label, list);
  }
  return [...groups.entries()]
    .map(([label, list]) => ({ label, ...figures(list) }))
    .sort((a, b) => b.applied - a.applied || a.label.localeCompare(b.label));
}

/** Monday 00:00 UTC of the ISO week containing `iso`, as `YYYY-MM-DD`. */
export function weekStart(iso: string): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

export interface WeeklyPoint extends PrecisionFigures {
  label: string;
  /** Monday of the week the bot applied the labels. */
  week: string;
}

/**
 * Figures per label per week of application: "how good were the labels the bot applied that week",
 * judged by everything humans did since. Weeks without applications are absent, not zero.
 */
export function weeklyPrecision(outcomes: readonly LabelOutcome[]): WeeklyPoint[] {
  const groups = new Map<string, LabelOutcome[]>();
  for (const o of outcomes) {
    const key = `${o.label}\u0000${weekStart(o.appliedAt)}`;
    const list = groups.get(key) ?? [];
    list.push(o);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .map(([key, list]) => {
      const [label = '', week = ''] = key.split('\u0000');
      return { label, week, ...figures(list) };
    })
    .sort((a, b) => a.label.localeCompare(b.label) || a.week.localeCompare(b.week));
}

/**
 * The labels a human stands behind: current labels minus those whose latest application was the bot's.
 * A bot label a human removed and re-added counts as human.
 */
export function humanAppliedLabels(current: readonly string[], events: readonly LabelEvent[], isBot: IsBot): string[] {
  const lastApplier = new Map<string, Actor | null>();
  for (const ev of [...events].sort(byTime)) {
    if (ev.kind === 'labeled') lastApplier.set(ev.label, ev.actor);
  }
  return current.filter((label) => {
    if (!lastApplier.has(label)) return true; // applied before the timeline window, or at creation: a human's choice
    const actor = lastApplier.get(label) ?? null;
    return !isBot(actor) && actor?.type !== 'Bot';
  });
}
