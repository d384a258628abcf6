import type { ApplicationFunction, Probot } from 'probot';
import ccBot from './bots/cc';
import ciflowBot from './bots/ciflow';
import configIssueBot from './bots/config-issue';
import { labeledEvents } from './bots/labeled-event';
import labelRulesBot from './bots/label-rules';
import newIssueBot from './bots/new-issue';
import renamedLabelBot, { type RenamedLabelDeps } from './bots/renamed-label';
import trackingIssueBot from './bots/tracking-issue';
import type { GlobalConfig } from './config/global-config';
import {
  HelpersConfigResolver,
  readTrackingIssueFromRepoFile,
  type GlobalConfigSource,
  type TrackingIssueLookup,
} from './config/helpers-config';
import type { IssueBackedConfig } from './config/issue-backed-config';
import { globalConfigLoader } from './config/load-global-config';
import { cachedTrackingLookup } from './config/tracking-issue-cache';
import { fromProbot } from './github/octokit';
import { createLogger, type Logger } from './log/logger';
import type { Classifier } from './ml/types';
import type { IssuePublisher } from './pubsub/publisher';

/**
 * The frontend Probot app: the bots of src/bots/, one per behaviour, over shared services. Its dependencies are
 * passed in; the Lambda's wiring is src/lambda/runtime.ts.
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

export function createApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot) => {
    const log = deps.log ?? createLogger('app');
    const { configStore } = deps;
    const loadConfig = globalConfigLoader(configStore, fromProbot(app).forRepo, log);
    newIssueBot(app, { ...deps, loadConfig, now: deps.now ?? (() => new Date()), log });
    configIssueBot(app, { configStore, log });
    helperBots(app, {
      globalConfig: { get: () => loadConfig() },
      ...(configStore
        ? {
            configIssue: {
              store: configStore,
              octokit: () => fromProbot(app).forRepo(configStore.ref.owner, configStore.ref.repo),
            },
          }
        : {}),
      trackingIssue: cachedTrackingLookup(readTrackingIssueFromRepoFile, { ttlMs: deps.trackingTtlMs }),
      log: createLogger('helpers'),
    });
  };
}

export interface HelperBotDeps {
  /** The global config (its `repos["owner/repo"]` sections); read through the config repo's installation. */
  globalConfig?: GlobalConfigSource;
  /** Returns `tracking-issue` of a repo; defaults to reading `.github/issue_label_bot.yaml` via the contents API. */
  trackingIssue?: TrackingIssueLookup;
  /** TTL of each tracking issue's cache (default 60 s). */
  trackingTtlMs?: number;
  /** The operator's config issue, whose status comment reports renamed labels its `repos:`/`defaults` still name. */
  configIssue?: RenamedLabelDeps['configIssue'];
  now?: () => number;
  log?: Logger;
}

/** The PyTorch-Probot-style helpers: label rules, CC subscriptions, ciflow, and their tracking issues. */
export function helperBots(app: Probot, deps: HelperBotDeps = {}): void {
  const log = deps.log ?? createLogger('helpers');
  const now = deps.now ?? Date.now;
  const helpersConfig = new HelpersConfigResolver({
    globalConfig: deps.globalConfig,
    trackingIssue: deps.trackingIssue,
    ttlMs: deps.trackingTtlMs,
    now,
    log,
  });
  const labeled = labeledEvents({ helpersConfig, now, log });
  labelRulesBot(app, { labeled, log });
  ccBot(app, { labeled, log });
  ciflowBot(app, { labeled, helpersConfig, log });
  trackingIssueBot(app, { helpersConfig, log });
  renamedLabelBot(app, { helpersConfig, configIssue: deps.configIssue, log });
}
