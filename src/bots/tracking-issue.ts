import type { Probot } from 'probot';
import type { HelpersConfigResolver } from '../config/helpers-config';
import type { Logger } from '../log/logger';
import { guarded } from './labeled-event';

/**
 * A repo's tracking issue (`tracking-issue: N` in its `.github/issue_label_bot.yaml`) holds its CC subscriptions and
 * label rules; an edit by a writer takes effect at once on this instance, others refresh after their TTL.
 */
export default function trackingIssueBot(
  app: Probot,
  deps: { helpersConfig: HelpersConfigResolver; log: Logger },
): void {
  app.on('issues.edited', async (context) => {
    // Title-only edits cannot change subscriptions; GitHub sends `changes.body` whenever the body changed.
    const changes = (context.payload as { changes?: { body?: unknown } }).changes;
    if (changes && !changes.body) return;
    // Bot edits (our own cc-line PATCHes among them) are never applied as config, so skip the tracking-issue lookup.
    if (context.payload.sender.type === 'Bot') return;
    await guarded(deps.log, 'tracking-issue', { delivery_id: context.id }, () =>
      deps.helpersConfig.onIssueEdited(context),
    );
  });
}
