/**
 * The maintainer helpers (src/app.ts `helperBots`) on the real Probot/Octokit stack against the GitHub stand-in:
 * signed deliveries from the stand-in go through `verifyAndReceive`, every GitHub call goes over loopback.
 */
import type { Probot } from 'probot';
import { helperBots, type HelperBotDeps } from '../../src/app';
import { readTrackingIssueFromRepoFile } from '../../src/config/helpers-config';
import { startGitHubStandIn, type GitHubStandIn, type WebhookDelivery } from '../support/github-stand-in';
import { standInProbot } from '../support/test-octokit';

export const REPO = 'acme/widgets';
export const MAINTAINER = 'maintainer';
export const TRACKING = 1;

export interface HelpersStack {
  gh: GitHubStandIn;
  probot: Probot;
  /** Hands one recorded delivery to the app again (GitHub's "Redeliver"). */
  redeliver(d: WebhookDelivery): Promise<void>;
  deliveries(event: string, action?: string): WebhookDelivery[];
  /** Requests the app made since `gh.counters.reset()` (`METHOD template`). */
  calls(): string[];
  close(): Promise<void>;
}

export async function startHelpersStack(
  trackingBody: string,
  deps: Partial<HelperBotDeps> = {},
): Promise<HelpersStack> {
  const gh = await startGitHubStandIn();
  const probot = standInProbot(gh, { secret: gh.webhookSecret, requestTimeoutMs: 5000 });
  await probot.load((app: Probot) => helperBots(app, { trackingIssue: readTrackingIssueFromRepoFile, ...deps }));
  const receive = async (d: WebhookDelivery) => {
    await probot.webhooks.verifyAndReceive({
      id: d.id,
      name: d.event as never,
      payload: d.body,
      signature: d.headers['x-hub-signature-256']!,
    });
    return { status: 200 };
  };
  gh.setWebhookTarget(receive);
  gh.createRepo(REPO, { files: { '.github/issue_label_bot.yaml': `tracking-issue: ${TRACKING}\n` } });
  gh.setPermission(REPO, MAINTAINER, 'admin');
  gh.createIssue(REPO, {
    title: 'label-bot subscriptions',
    body: trackingBody,
    user: MAINTAINER,
    number: TRACKING,
    webhook: false,
  });
  return {
    gh,
    probot,
    redeliver: async (d) => {
      await receive(d);
    },
    deliveries: (event, action) =>
      gh.webhooks.deliveries.filter((d) => d.event === event && (action === undefined || d.action === action)),
    calls: () => gh.counters.requests().map((r) => r.endpoint),
    close: () => gh.close(),
  };
}
