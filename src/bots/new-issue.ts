import type { Context, Probot } from 'probot';
import type { GlobalConfig } from '../config/global-config';
import type { IssueBackedConfig } from '../config/issue-backed-config';
import type { GlobalConfigLoader } from '../config/load-global-config';
import { classifyGitHubError } from '../github/errors';
import { beforePublishDeadline } from '../github/invocation-deadline';
import { KeyedLock } from '../github/keyed-lock';
import { labelIssue } from '../github/label-issue';
import type { RepoConfigFile } from '../github/repo-config';
import { errorFields } from '../log/error-fields';
import type { Logger } from '../log/logger';
import type { Classifier } from '../ml/types';
import { buildForwardedIssue, type IssuePublisher } from '../pubsub/publisher';
import { decideCohort } from '../rollout/cohort';
import { rolloutFor } from '../rollout/rollout-for';
import type { IssueRef } from '../vocabulary';

export interface NewIssueDeps {
  /** Resolves the universal model; called per event, so memoize it (load once per instance). */
  loadClassifier: () => Promise<Classifier>;
  /** null: forwarding disabled, every issue gets universal labels. */
  publisher: IssuePublisher | null;
  /** The operator's config issue (to leave it alone); null: no rollout, no defaults. */
  configStore: IssueBackedConfig<GlobalConfig> | null;
  loadConfig: GlobalConfigLoader;
  now: () => Date;
  log: Logger;
}

/** What happened to one new issue; logged once per event as `decision`. */
type Decision =
  | { decision: 'ignored'; reason: string }
  | { decision: 'forwarded' | 'universal' | 'handed_off' | 'unlabeled' | 'error' };

type NewIssueContext = Context<'issues.opened'> | Context<'issues.reopened'>;
type IssuesPayload = NewIssueContext['payload'];

/**
 * A new issue: forward it to the repo-model worker when it falls in its repo's rollout cohort, otherwise label it at
 * once with the universal model. A transfer arrives twice: `issues.transferred` in the old repo and `issues.opened`
 * (with `changes.old_issue`) in the new one. Only the `opened` one is handled, through the new repo's installation
 * (the event's own client), so a transferred issue is labeled once.
 */
export default function newIssueBot(app: Probot, deps: NewIssueDeps): void {
  const { log } = deps;
  // Racing deliveries of one issue in this process label it one after the other: one comment creation, not ten.
  const issueLock = new KeyedLock();

  const handle = async (context: NewIssueContext): Promise<Decision> => {
    const { payload } = context;
    if (payload.sender?.type === 'Bot') return { decision: 'ignored', reason: 'bot-sender' };
    if ((payload.issue as { pull_request?: unknown }).pull_request)
      return { decision: 'ignored', reason: 'pull-request' };
    const ref: IssueRef = {
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      number: payload.issue.number,
    };
    const fullName = `${ref.owner}/${ref.repo}`;
    // The operator's config issue is not a triage item.
    if (deps.configStore?.isConfigIssue(fullName, ref.number)) return { decision: 'ignored', reason: 'config-issue' };
    const meta = { delivery_id: context.id, event: `issues.${payload.action}`, repo: fullName, issue: ref.number };

    const config = await deps.loadConfig();
    const rule = rolloutFor(config, fullName);
    let forwardedShadow = false;
    let bucket = 0;
    if (config && rule && rule.ratio > 0) {
      const cohort = decideCohort(config.salt, fullName, ref.number, rule.ratio);
      bucket = cohort.bucket;
      if (cohort.inCohort && !deps.publisher) {
        log.warn(
          { ...meta, rollout: rule.key },
          'issue in rollout cohort but PUBSUB_TOPIC is not set; labeling with the universal model',
        );
      } else if (cohort.inCohort && deps.publisher) {
        try {
          const message = buildForwardedIssue(
            payload,
            context.id,
            { ratio: rule.ratio, bucket, mode: rule.mode },
            deps.now(),
            { defaults: config.defaults },
          );
          await beforePublishDeadline(deps.publisher.publish(message), 'publish');
          log.info(
            { ...meta, decision: 'forwarded', mode: rule.mode, ratio: rule.ratio, bucket },
            'forwarded to the repo-model worker',
          );
          // Shadow: the worker only predicts and logs, so the universal model still labels the issue.
          if (rule.mode === 'active') return { decision: 'forwarded' };
          forwardedShadow = true;
        } catch (err) {
          log.error({ ...meta, err: errorFields(err) }, 'publish failed; falling back to universal labels');
        }
      }
    }

    const classifier = await deps.loadClassifier();
    try {
      await issueLock.run(`${fullName}#${ref.number}`.toLowerCase(), () =>
        labelIssue(context.octokit, ref, classifier, {
          mode: 'act',
          source: 'universal',
          defaults: config?.defaults ?? null,
          log,
          logContext: { delivery_id: context.id, shadow_forwarded: forwardedShadow || undefined },
        }),
      );
    } catch (err) {
      if (classifyGitHubError(err) !== 'transient') throw err;
      return handOffToWorker(
        payload,
        context.id,
        { ratio: rule?.ratio ?? 0, bucket },
        config?.defaults ?? null,
        meta,
        err,
      );
    }
    return { decision: 'universal' };
  };

  /**
   * GitHub failed transiently even after the one retry, and GitHub never redelivers a webhook: hand the issue to the
   * worker topic instead of dropping it. The worker labels it with the universal model (`model: 'universal'`: not
   * a repo model it was never rolled out to) and Pub/Sub gives it retries with backoff and the dead-letter topic.
   * Labeling is idempotent, so labels or a comment this run already made are not repeated.
   */
  const handOffToWorker = async (
    payload: IssuesPayload,
    deliveryId: string,
    cohort: { ratio: number; bucket: number },
    defaults: RepoConfigFile | null,
    meta: { repo: string; issue: number } & Record<string, unknown>,
    labelErr: unknown,
  ): Promise<Decision> => {
    const lost = (why: string, extra: Record<string, unknown> = {}): Decision => {
      // Loud on purpose: nothing retries this issue any more. `label-bot backfill` on the repo picks it up.
      log.error(
        { ...meta, decision: 'unlabeled', err: errorFields(labelErr), class: 'transient', ...extra },
        `ISSUE LEFT UNLABELED: ${meta.repo}#${meta.issue} — universal labeling failed (GitHub transient error) and ${why}; run \`label-bot backfill\` for ${meta.repo}`,
      );
      return { decision: 'unlabeled' };
    };
    if (!deps.publisher) return lost('no worker topic is configured (PUBSUB_TOPIC) for a retry hand-off');
    try {
      const message = buildForwardedIssue(payload, deliveryId, { ...cohort, mode: 'active' }, deps.now(), {
        model: 'universal',
        defaults,
      });
      await beforePublishDeadline(deps.publisher.publish(message), 'publish');
    } catch (pubErr) {
      return lost('the hand-off to the worker topic failed too', { publish_err: errorFields(pubErr) });
    }
    log.warn(
      { ...meta, decision: 'handed_off', model: 'universal', err: errorFields(labelErr) },
      'universal labeling failed (GitHub transient error); handed to the worker topic for retries',
    );
    return { decision: 'handed_off' };
  };

  app.on(['issues.opened', 'issues.reopened'], async (context) => {
    const base = { delivery_id: context.id, event: `issues.${context.payload.action}` };
    let outcome: Decision;
    try {
      outcome = await handle(context);
    } catch (err) {
      // GitHub does not redeliver failed webhooks; a 5xx only produces noise. Log with the class for alerting.
      log.error({ ...base, err: errorFields(err), class: classifyGitHubError(err) }, 'issue handling failed');
      outcome = { decision: 'error' };
    }
    log.info(
      { ...base, repo: context.payload.repository.full_name, issue: context.payload.issue.number, ...outcome },
      'new issue handled',
    );
  });

  app.on('issues.transferred', async (context) => {
    // The new repo gets its own `issues.opened` for the same issue; that one is labeled.
    log.info(
      {
        delivery_id: context.id,
        event: 'issues.transferred',
        repo: context.payload.repository.full_name,
        issue: context.payload.issue.number,
        decision: 'ignored',
        reason: 'transferred',
      },
      'new issue handled',
    );
  });
}
