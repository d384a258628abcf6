import type { Probot } from 'probot';
import { guarded, type LabeledEvents } from './labeled-event';
import type { Logger } from '../log/logger';

/**
 * Label → label rules (`high priority` → `triage review`) on issues and pull requests, PyTorch-Probot style. The
 * rules themselves run once per delivery in ./labeled-event.ts, where CC and ciflow can see what they added.
 */
export default function labelRulesBot(app: Probot, deps: { labeled: LabeledEvents; log: Logger }): void {
  app.on(['issues.labeled', 'pull_request.labeled'], async (context) => {
    await guarded(deps.log, 'labeled', { delivery_id: context.id }, () => deps.labeled.of(context));
  });
}
