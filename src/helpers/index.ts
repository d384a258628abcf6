import type { Context, Probot } from 'probot';
import { createLogger, type Logger } from '../log/logger';
import { ccOnLabeled } from './cc-bot';
import { reconcileCiflow } from './ciflow';
import { HelpersConfigResolver, type GlobalConfigSource, type TrackingIssueLookup } from './config-source';
import type { RepoRef } from './github-ops';
import { applyLabelRules } from './label-rules-bot';
import type { HelpersConfig } from './subscriptions-parser';

export { helperWarnings, TRACKING_STATUS_MARKER } from './config-source';
export type { GlobalConfigSource, TrackingIssueLookup } from './config-source';

/**
 * What the frontend passes in. Everything is optional so the app still starts without a global config,
 * but in production pass `globalConfig` (for `repos:` sections) and, if it has one, a cached `trackingIssue` lookup.
 */
export interface HelpersDeps {
  /** The global config store (e.g. `createGlobalConfigStore(...)`); its `repos["owner/repo"]` entry is used. */
  globalConfig?: GlobalConfigSource;
  /** Returns `tracking-issue` of a repo; defaults to reading `.github/issue_label_bot.yaml` via the contents API. */
  trackingIssue?: TrackingIssueLookup;
  /** TTL of each tracking issue's cache (default 60 s). */
  trackingTtlMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface HelpersHandle {
  resolver: HelpersConfigResolver;
}

type LabeledContext = Context<'issues.labeled'> | Context<'pull_request.labeled'>;
type CiflowContext =
  | Context<'pull_request.labeled'>
  | Context<'pull_request.unlabeled'>
  | Context<'pull_request.synchronize'>
  | Context<'pull_request.reopened'>
  | Context<'pull_request.closed'>;

function repoOf(context: { payload: { repository: { name: string; owner: { login: string } } } }): RepoRef {
  return { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
}

/**
 * Each behaviour runs on its own and failures are logged, not thrown: GitHub does not redeliver a failed webhook,
 * and one failing helper (e.g. missing permission for tags) must not stop the others.
 */
async function guarded(log: Logger, what: string, meta: Record<string, unknown>, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = err as { status?: number; message?: string };
    log.error({ ...meta, helper: what, status: e?.status, err: String(e?.message ?? err).slice(0, 300) }, 'helper failed');
  }
}

/**
 * Registers the PyTorch-Probot-style helpers: CC subscriptions, label rules, ciflow.
 * Handlers: issues.labeled, pull_request.{labeled,unlabeled,synchronize,reopened,closed}, issues.edited (tracking issue).
 */
export function registerHelpers(app: Probot, deps: HelpersDeps = {}): HelpersHandle {
  const log = deps.log ?? createLogger('helpers');
  const now = deps.now ?? Date.now;
  const resolver = new HelpersConfigResolver({
    globalConfig: deps.globalConfig,
    trackingIssue: deps.trackingIssue,
    ttlMs: deps.trackingTtlMs,
    now,
    log,
  });

  const onLabeled = async (context: LabeledContext): Promise<void> => {
    const ref = repoOf(context);
    const isPull = context.name === 'pull_request';
    const item = 'pull_request' in context.payload ? context.payload.pull_request : context.payload.issue;
    const added = context.payload.label?.name;
    if (!added) return;
    const meta = { repo: `${ref.owner}/${ref.repo}`, number: item.number, delivery_id: context.id };
    const config = await resolver.resolve(context.octokit, ref);
    const payloadLabels = (item.labels ?? []).map((l) => l.name);
    let ruleAdded: string[] = [];
    // Our own additions (and any other bot's) arrive as labeled events with a Bot sender: rules ignore them, which
    // together with the closure being added in one batch is what rules out loops.
    if (context.payload.sender.type !== 'Bot') {
      await guarded(log, 'label-rules', meta, async () => {
        ruleAdded = await applyLabelRules(config, {
          octokit: context.octokit,
          ref,
          number: item.number,
          added,
          present: payloadLabels,
          now: now(),
          log,
        });
      });
    }
    // CC also runs for bot-added labels (e.g. the ML labeler's), which is safe: it only ever grows the cc line.
    await guarded(log, 'cc', meta, () =>
      ccOnLabeled(config, {
        octokit: context.octokit,
        ref,
        number: item.number,
        isPull,
        eventLabels: [...new Set([...payloadLabels, added, ...ruleAdded])],
        log,
      }),
    );
    if (isPull) {
      const labels = [added, ...ruleAdded];
      await guarded(log, 'ciflow', meta, () => ciflow(context as CiflowContext, labels, config));
    }
  };

  const ciflow = async (context: CiflowContext, labels?: readonly string[], known?: HelpersConfig): Promise<void> => {
    const ref = repoOf(context);
    const config = known ?? (await resolver.resolve(context.octokit, ref));
    if (!config.ciflow || config.ciflow.labels.length === 0) return;
    const pr = context.payload.pull_request;
    const headRepo = pr.head.repo?.full_name;
    await reconcileCiflow(config.ciflow, {
      octokit: context.octokit,
      ref,
      pr: pr.number,
      labels: labels ?? config.ciflow.labels,
      isFork: headRepo === undefined || headRepo.toLowerCase() !== context.payload.repository.full_name.toLowerCase(),
      log,
    });
  };

  app.on(['issues.labeled', 'pull_request.labeled'], async (context) => {
    await guarded(log, 'labeled', { delivery_id: context.id }, () => onLabeled(context));
  });
  app.on('pull_request.unlabeled', async (context) => {
    const label = context.payload.label?.name;
    if (!label) return;
    await guarded(log, 'ciflow', { delivery_id: context.id }, () => ciflow(context, [label]));
  });
  app.on(['pull_request.synchronize', 'pull_request.reopened', 'pull_request.closed'], async (context) => {
    // Without any label there is nothing to tag or untag: skip the config lookup on every push to unlabeled PRs.
    // (A tag whose label was removed was already deleted on `unlabeled`.)
    if ((context.payload.pull_request?.labels ?? []).length === 0) return;
    await guarded(log, 'ciflow', { delivery_id: context.id }, () => ciflow(context));
  });
  app.on('issues.edited', async (context) => {
    // Title-only edits cannot change subscriptions; GitHub sends `changes.body` whenever the body changed.
    const changes = (context.payload as { changes?: { body?: unknown } }).changes;
    if (changes && !changes.body) return;
    // Bot edits (our own cc-line PATCHes among them) are never applied as config, so skip the tracking-issue lookup.
    if (context.payload.sender.type === 'Bot') return;
    await guarded(log, 'tracking-issue', { delivery_id: context.id }, () => resolver.onIssueEdited(context));
  });
  return { resolver };
}
