import type { Probot } from 'probot';
import { ccOnLabeled } from '../helpers/cc-subscriptions';
import type { Logger } from '../log/logger';
import { guarded, type LabeledEvents } from './labeled-event';

/**
 * CC subscriptions (`* label @user @org/team` in the repo's tracking issue or the config issue's `repos:`): when an
 * issue or pull request gets a label, its subscribers are merged into the item's `cc` line. Also runs for labels
 * bots add (the ML labeler's, the rules'), which is safe: it only ever grows the cc line.
 */
export default function ccBot(app: Probot, deps: { labeled: LabeledEvents; log: Logger }): void {
  app.on(['issues.labeled', 'pull_request.labeled'], async (context) => {
    await guarded(deps.log, 'cc', { delivery_id: context.id }, async () => {
      const event = await deps.labeled.of(context);
      if (!event) return;
      await ccOnLabeled(event.config, {
        octokit: context.octokit,
        ref: event.ref,
        number: event.number,
        isPull: event.isPull,
        eventLabels: [...new Set([...event.payloadLabels, event.added, ...event.ruleAdded])],
        log: deps.log,
      });
    });
  });
}
