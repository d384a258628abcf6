import type { Probot } from 'probot';
import type { GlobalConfig } from '../config/global-config';
import type { IssueBackedConfig } from '../config/issue-backed-config';
import { errorFields } from '../log/error-fields';
import type { Logger } from '../log/logger';

export interface ConfigIssueDeps {
  configStore: IssueBackedConfig<GlobalConfig> | null;
  log: Logger;
}

/**
 * An edit of the operator's config issue takes effect at once on the instance that receives it: the body is re-parsed
 * from the payload (writers only; an invalid edit keeps the last good config and gets one status comment). Other
 * instances pick it up after their TTL.
 */
export default function configIssueBot(app: Probot, deps: ConfigIssueDeps): void {
  const store = deps.configStore;
  if (!store) return;
  app.on('issues.edited', async (context) => {
    if (!store.isConfigIssue(context.payload.repository.full_name, context.payload.issue.number)) return;
    try {
      const outcome = await store.onIssueEdited(context);
      deps.log.info({ delivery_id: context.id, outcome }, 'config issue edited');
    } catch (err) {
      deps.log.error({ delivery_id: context.id, err: errorFields(err) }, 'config refresh from edit failed');
    }
  });
}
