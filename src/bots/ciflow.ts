import type { Context, Probot } from 'probot';
import type { HelpersConfigResolver } from '../config/helpers-config';
import { reconcileCiflow } from '../helpers/ciflow';
import type { HelpersConfig } from '../helpers/subscriptions-parser';
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

/**
 * CI by label: a configured label on an open pull request keeps a `ciflow/<label>/<PR>` tag (or one
 * repository_dispatch per head SHA) in step with the PR's head; removing the label or closing the PR deletes the tag.
 */
export default function ciflowBot(app: Probot, deps: CiflowDeps): void {
  const reconcile = async (context: PullContext, labels?: readonly string[], known?: HelpersConfig): Promise<void> => {
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
      log: deps.log,
    });
  };

  app.on('pull_request.labeled', async (context) => {
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, async () => {
      const event = await deps.labeled.of(context);
      // The label just added and any a rule added with it.
      if (event) await reconcile(context, [event.added, ...event.ruleAdded], event.config);
    });
  });
  app.on('pull_request.unlabeled', async (context) => {
    const label = context.payload.label?.name;
    if (!label) return;
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, () => reconcile(context, [label]));
  });
  app.on(['pull_request.synchronize', 'pull_request.reopened', 'pull_request.closed'], async (context) => {
    // Without any label there is nothing to tag or untag: skip the config lookup on every push to unlabeled PRs.
    // (A tag whose label was removed was already deleted on `unlabeled`.)
    if ((context.payload.pull_request?.labels ?? []).length === 0) return;
    await guarded(deps.log, 'ciflow', { delivery_id: context.id }, () => reconcile(context));
  });
}
