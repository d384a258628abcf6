import type { ApplicationFunction, Context, Probot } from 'probot';
import { rolloutFor, type GlobalConfig } from './config/global-config';
import type { IssueBackedConfig } from './config/issue-backed-config';
import { classifyGitHubError } from './github/errors';
import { labelIssue, type IssueRef } from './github/labeler';
import { fromProbot } from './github/octokit';
import type { RepoConfigFile } from './github/repo-config';
import { readTrackingIssueFromRepoFile } from './helpers/config-source';
import { registerHelpers } from './helpers/index';
import { cachedTrackingLookup } from './github/tracking-issue-cache';
import { createLogger, type Logger } from './log/logger';
import type { Classifier } from './ml/types';
import { buildForwardedIssue, type IssuePublisher } from './pubsub/publisher';
import { decideCohort } from './rollout/cohort';

/**
 * The frontend Probot app. Per new issue: forward it to the repo-specific worker when the issue falls in the
 * repo's rollout cohort, otherwise label it at once with the universal model. Everything else is the helpers'.
 * Dependencies are injected so tests can pass fakes; production wiring lives in src/lambda/runtime.ts.
 */
export interface AppDeps {
  /** Resolves the universal model; called per event, so memoize it (load once per instance). */
  loadClassifier: () => Promise<Classifier>;
  /** null: forwarding disabled, every issue gets universal labels. */
  publisher: IssuePublisher | null;
  /** The operator's config issue; null: no rollout, no defaults. */
  configStore: IssueBackedConfig<GlobalConfig> | null;
  now?: () => Date;
  log?: Logger;
  /** How long a repo's `tracking-issue:` lookup is cached for the helpers (default 60 s). */
  trackingTtlMs?: number;
}

const CONFIG_FAILURE_BACKOFF_MS = 60_000;

export type DecisionPath = 'ignored' | 'forwarded' | 'universal' | 'handed_off' | 'unlabeled' | 'error';

type IssuesContext = Context<'issues.opened'> | Context<'issues.reopened'> | Context<'issues.transferred'>;

export function createApp(deps: AppDeps): ApplicationFunction {
  const log = deps.log ?? createLogger('app');
  const now = deps.now ?? (() => new Date());

  return (app: Probot) => {
    const octokits = fromProbot(app);

    /** The config issue lives in the operator's repo, usually under another installation than the event's repo. */
    let configFailedAt = Number.NEGATIVE_INFINITY;
    const loadConfig = async (): Promise<GlobalConfig | null> => {
      const store = deps.configStore;
      if (!store) return null;
      // After a failure (e.g. the app is not installed on the config repo) wait a while instead of spending an
      // app-level call on every event.
      if (Date.now() - configFailedAt < CONFIG_FAILURE_BACKOFF_MS) return store.current();
      try {
        const octokit = await octokits.forRepo(store.ref.owner, store.ref.repo);
        return await store.get(octokit);
      } catch (err) {
        configFailedAt = Date.now();
        log.warn({ err: errMeta(err), config_issue: `${store.ref.owner}/${store.ref.repo}#${store.ref.number}` }, 'global config unavailable; using the last good value');
        return store.current();
      }
    };

    const handleIssue = async (context: IssuesContext): Promise<DecisionPath> => {
      const { payload } = context;
      const base = { delivery_id: context.id, event: `${context.name}.${payload.action}` };
      if (payload.sender?.type === 'Bot') {
        log.debug({ ...base, sender: payload.sender.login }, 'ignored: bot sender');
        return 'ignored';
      }
      if ((payload.issue as { pull_request?: unknown }).pull_request) return 'ignored';

      // A transferred issue lives on in the new repo; that is where labels go.
      let ref: IssueRef = { owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.issue.number };
      if (payload.action === 'transferred') {
        const changes = (payload as Context<'issues.transferred'>['payload']).changes;
        ref = { owner: changes.new_repository.owner.login, repo: changes.new_repository.name, number: changes.new_issue.number };
      }
      const fullName = `${ref.owner}/${ref.repo}`;
      const meta = { ...base, repo: fullName, issue: ref.number };
      // The operator's config issue is not a triage item.
      if (deps.configStore?.isConfigIssue(fullName, ref.number)) return 'ignored';

      const config = await loadConfig();
      const rule = rolloutFor(config, fullName);
      // What a message about this issue is built from (for a transfer: the issue in its new repo).
      const source =
        payload.action === 'transferred'
          ? { ...payload, repository: (payload as Context<'issues.transferred'>['payload']).changes.new_repository, issue: (payload as Context<'issues.transferred'>['payload']).changes.new_issue }
          : payload;
      let forwardedShadow = false;
      let bucket = 0;
      if (config && rule && rule.ratio > 0) {
        const cohort = decideCohort(config.salt, fullName, ref.number, rule.ratio);
        bucket = cohort.bucket;
        if (cohort.inCohort) {
          if (!deps.publisher) {
            log.warn({ ...meta, rollout: rule.key }, 'issue in rollout cohort but PUBSUB_TOPIC is not set; labeling with the universal model');
          } else {
            try {
              const message = buildForwardedIssue(source, context.id, { ratio: rule.ratio, bucket: cohort.bucket, mode: rule.mode }, now(), {
                defaults: config.defaults,
              });
              await deps.publisher.publish(message);
              log.info({ ...meta, decision: 'forwarded', mode: rule.mode, ratio: rule.ratio, bucket: cohort.bucket }, 'forwarded to the repo-model worker');
              // Shadow: the worker only predicts and logs, so the universal model still labels the issue.
              if (rule.mode === 'active') return 'forwarded';
              forwardedShadow = true;
            } catch (err) {
              log.error({ ...meta, err: errMeta(err) }, 'publish failed; falling back to universal labels');
            }
          }
        }
      }

      const classifier = await deps.loadClassifier();
      try {
        await labelIssue(context.octokit, ref, classifier, {
          mode: 'act',
          source: 'universal',
          defaults: config?.defaults ?? null,
          log,
          logContext: { delivery_id: context.id, shadow_forwarded: forwardedShadow || undefined },
        });
      } catch (err) {
        if (classifyGitHubError(err) !== 'transient') throw err;
        return handOffToWorker(source, context.id, { ratio: rule?.ratio ?? 0, bucket }, config?.defaults ?? null, meta, err);
      }
      return 'universal';
    };

    /**
     * GitHub failed transiently even after the one retry, and GitHub never redelivers a webhook: hand the issue to the
     * worker topic instead of dropping it. The worker labels it with the universal model (`model: 'universal'`: not
     * a repo model it was never rolled out to) and Pub/Sub gives it retries with backoff and the dead-letter topic.
     * Labeling is idempotent, so labels or a comment this run already made are not repeated.
     */
    const handOffToWorker = async (
      source: Parameters<typeof buildForwardedIssue>[0],
      deliveryId: string,
      cohort: { ratio: number; bucket: number },
      defaults: RepoConfigFile | null,
      meta: Record<string, unknown>,
      labelErr: unknown,
    ): Promise<DecisionPath> => {
      const lost = (why: string, extra: Record<string, unknown> = {}): DecisionPath => {
        // Loud on purpose: nothing retries this issue any more. `label-bot backfill` on the repo picks it up.
        log.error(
          { ...meta, decision: 'unlabeled', err: errMeta(labelErr), class: 'transient', ...extra },
          `ISSUE LEFT UNLABELED: ${meta.repo as string}#${meta.issue as number} — universal labeling failed (GitHub transient error) and ${why}; run \`label-bot backfill\` for ${meta.repo as string}`,
        );
        return 'unlabeled';
      };
      if (!deps.publisher) return lost('no worker topic is configured (PUBSUB_TOPIC) for a retry hand-off');
      try {
        const message = buildForwardedIssue(source, deliveryId, { ...cohort, mode: 'active' }, now(), { model: 'universal', defaults });
        await deps.publisher.publish(message);
      } catch (pubErr) {
        return lost('the hand-off to the worker topic failed too', { publish_err: errMeta(pubErr) });
      }
      log.warn(
        { ...meta, decision: 'handed_off', model: 'universal', err: errMeta(labelErr) },
        'universal labeling failed (GitHub transient error); handed to the worker topic for retries',
      );
      return 'handed_off';
    };

    app.on(['issues.opened', 'issues.reopened', 'issues.transferred'], async (context) => {
      try {
        await handleIssue(context);
      } catch (err) {
        // GitHub does not redeliver failed webhooks; a 5xx only produces noise. Log with the class for alerting.
        log.error({ delivery_id: context.id, err: errMeta(err), class: classifyGitHubError(err) }, 'issue handling failed');
      }
    });

    app.on('issues.edited', async (context) => {
      const store = deps.configStore;
      if (!store || !store.isConfigIssue(context.payload.repository.full_name, context.payload.issue.number)) return;
      try {
        const outcome = await store.onIssueEdited(context);
        log.info({ delivery_id: context.id, outcome }, 'config issue edited');
      } catch (err) {
        log.error({ delivery_id: context.id, err: errMeta(err) }, 'config refresh from edit failed');
      }
    });

    registerHelpers(app, {
      // The config issue is read through the config repo's installation, whatever octokit the helper holds.
      globalConfig: { get: () => loadConfig() },
      trackingIssue: cachedTrackingLookup(readTrackingIssueFromRepoFile, { ttlMs: deps.trackingTtlMs }),
      log: createLogger('helpers'),
    });
  };
}

function errMeta(err: unknown): { status?: number; message: string } {
  const e = err as { status?: number; message?: string };
  return { status: e?.status, message: String(e?.message ?? err).slice(0, 300) };
}
