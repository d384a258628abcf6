import type { Context, Probot } from 'probot';
import type { HelpersConfigResolver } from '../config/helpers-config';
import { reconcileCiflow } from '../helpers/ciflow';
import type { CiflowReviewGate } from '../helpers/ciflow-review';
import { unknownCiflowLabels, upsertUnknownLabelComment } from '../helpers/ciflow-unknown';
import { labelKey } from '../helpers/handles';
import type { HelpersConfig } from '../helpers/subscriptions-parser';
import { hasWriteAccess } from '../helpers/write-access';
import type { Logger } from '../log/logger';
import { guarded, repoOf, type LabeledEvents } from './labeled-event';

type PullContext =
  | Context<'pull_request.labeled'>
  | Context<'pull_request.unlabeled'>
  | Context<'pull_request.synchronize'>
  | Context<'pull_request.reopened'>
  | Context<'pull_request.closed'>;

export interface CiflowDeps {
  labeled: LabeledEvents;
  helpersConfig: HelpersConfigResolver;
  log: Logger;
}

/** The review gate's permission checks, memoized for one delivery (the author and the labeler are asked once each). */
function reviewGate(context: PullContext, approval: CiflowReviewGate['approval']): CiflowReviewGate {
  const asked = new Map<string, Promise<boolean>>();
  const ref = repoOf(context);
  return {
    author: context.payload.pull_request.user?.login ?? '',
    approval,
    isWriter(login) {
      const key = labelKey(login);
      let p = asked.get(key);
      if (!p) {
        p = hasWriteAccess(context.octokit, ref, login);
        asked.set(key, p);
      }
      return p;
    },
  };
}

/**
 * CI by label: a configured label on an open pull request keeps a `ciflow/<label>/<PR>` tag (or one
 * repository_dispatch per head SHA) in step with the PR's head; removing the label or closing the PR deletes the tag.
 * Fork PRs by authors without write access only get CI on heads a writer labeled (../helpers/ciflow-review.ts), and an
 * unknown `ciflow/…` label gets one comment listing the configured ones.
 */
export default function ciflowBot(app: Probot, deps: CiflowDeps): void {
  const reconcile = async (
    context: PullContext,
    labels?: readonly string[],
    known?: HelpersConfig,
    approval?: CiflowReviewGate['approval'],
  ): Promise<void> => {
    const ref = repoOf(context);
    const config = known ?? (await deps.helpersConfig.resolve(context.octokit, ref));
    if (!config.ciflow || config.ciflow.labels.length === 0) return;
    const pr = context.payload.pull_request;
    const headRepo = pr.head.repo?.full_name;
    await reconcileCiflow(config.ciflow, {
      octokit: context.octokit,
      ref,
      pr: pr.number,
      labels: labels ?? config.ciflow.labels,
      isFork: headRepo === undefined || headRepo.toLowerCase() !== context.payload.repository.full_name.toLowerCase(),
      review: reviewGate(context, approval),
      log: deps.log,
    });
  };

  /** From the cached settings only: can none of `labels` matter to ciflow? (Then the event costs no GitHub call.) */
  const irrelevant = (context: PullContext, labels: readonly string[]): boolean => {
    const cached = deps.helpersConfig.peek(repoOf(context));
    if (!cached) return false;
    const configured = cached.ciflow?.labels ?? [];
    return !labels.some((l) => configured.some((c) => labelKey(c) === labelKey(l)));
  };

  app.on('pull_request.labeled', async (context) => {
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, async () => {
      const event = await deps.labeled.of(context);
      if (!event) return;
      const added = [event.added, ...event.ruleAdded];
      const configured = event.config.ciflow?.labels ?? [];
      const isCiflow = (l: string) => configured.some((c) => labelKey(c) === labelKey(l));
      // Adding a ciflow label is a review of the head the labeler saw (the payload's, nothing pushed later): it
      // covers every ciflow label on the PR, so one re-label after a push brings all of them to the new head.
      const targets = added.some(isCiflow) ? [...new Set([...added, ...event.payloadLabels].filter(isCiflow))] : added;
      const sender = context.payload.sender;
      const approval =
        sender.type === 'Bot'
          ? undefined
          : { by: sender.login, sha: context.payload.pull_request.head.sha, labels: targets };
      await reconcile(context, targets, event.config, approval);
      const unknown = unknownCiflowLabels(event.config, added);
      if (unknown.length > 0 && event.config.ciflow) {
        await upsertUnknownLabelComment(
          context.octokit,
          event.ref,
          event.number,
          unknown,
          event.config.ciflow.labels,
          deps.log,
        );
      }
    });
  });
  app.on('pull_request.unlabeled', async (context) => {
    const label = context.payload.label?.name;
    if (!label || irrelevant(context, [label])) return;
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, () => reconcile(context, [label]));
  });
  app.on(['pull_request.synchronize', 'pull_request.reopened', 'pull_request.closed'], async (context) => {
    // Without any label there is nothing to tag or untag: skip the config lookup on every push to unlabeled PRs.
    // (A tag whose label was removed was already deleted on `unlabeled`.)
    const labels = (context.payload.pull_request?.labels ?? []).map((l) => l.name);
    if (labels.length === 0 || irrelevant(context, labels)) return;
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, () => reconcile(context));
  });
}
