import type { Context } from 'probot';
import type { HelpersConfigResolver } from '../config/helpers-config';
import { applyLabelRules } from '../helpers/apply-label-rules';
import { labelKey } from '../helpers/handles';
import type { HelpersConfig } from '../helpers/subscriptions-parser';
import { errorFields } from '../log/error-fields';
import type { Logger } from '../log/logger';
import type { RepoRef } from '../vocabulary';

export type LabeledContext = Context<'issues.labeled'> | Context<'pull_request.labeled'>;

/** What the CC, label-rules and ciflow bots share about one `labeled` delivery. */
export interface LabeledEvent {
  ref: RepoRef;
  number: number;
  isPull: boolean;
  /** The label just added. */
  added: string;
  /** Labels in the payload (present at event time). */
  payloadLabels: string[];
  config: HelpersConfig;
  /** Labels the label rules added for this event (empty for bot senders, or when a rule failed). */
  ruleAdded: string[];
}

/**
 * Could any helper act on `label` being added? CC (subscribers), label rules (in `any`/`all`), ciflow on pull requests
 * (a configured label, or any `ciflow/…` label for the unknown-label comment).
 */
export function helpersCareAbout(config: HelpersConfig, label: string, isPull: boolean): boolean {
  const key = labelKey(label);
  if ((config.cc.get(key) ?? []).length > 0) return true;
  if (config.rules.some((r) => r.labels.some((l) => labelKey(l) === key))) return true;
  if (!isPull || !config.ciflow || config.ciflow.labels.length === 0) return false;
  return /^ciflow\//.test(key) || config.ciflow.labels.some((l) => labelKey(l) === key);
}

export function repoOf(context: { payload: { repository: { name: string; owner: { login: string } } } }): RepoRef {
  return { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
}

/**
 * One `labeled` delivery reaches the CC, label-rules and ciflow bots at once (Probot runs an event's handlers in
 * parallel). The rules run first and exactly once per delivery, so CC can cc the subscribers of the labels the rules
 * add and ciflow can tag them, in the same pass. Memoized on the payload object, which all handlers of one delivery
 * share, so nothing outlives the delivery.
 */
export function labeledEvents(deps: { helpersConfig: HelpersConfigResolver; now: () => number; log: Logger }) {
  const seen = new WeakMap<object, Promise<LabeledEvent | null>>();

  const resolve = async (context: LabeledContext): Promise<LabeledEvent | null> => {
    const added = context.payload.label?.name;
    if (!added) return null;
    const ref = repoOf(context);
    const isPull = context.name === 'pull_request';
    const item = 'pull_request' in context.payload ? context.payload.pull_request : context.payload.issue;
    const payloadLabels = (item.labels ?? []).map((l) => l.name);
    // Settings already cached on this instance that name nothing about this label: no helper could act, no call.
    const cached = deps.helpersConfig.peek(ref);
    if (cached && !helpersCareAbout(cached, added, isPull)) return null;
    const config = await deps.helpersConfig.resolve(context.octokit, ref);
    let ruleAdded: string[] = [];
    // Our own additions (and any other bot's) arrive as labeled events with a Bot sender: rules ignore them, which
    // together with the closure being added in one batch is what rules out loops.
    if (context.payload.sender.type !== 'Bot') {
      try {
        ruleAdded = await applyLabelRules(config, {
          octokit: context.octokit,
          ref,
          number: item.number,
          added,
          present: payloadLabels,
          now: deps.now(),
          log: deps.log,
        });
      } catch (err) {
        deps.log.error(
          {
            repo: `${ref.owner}/${ref.repo}`,
            number: item.number,
            delivery_id: context.id,
            helper: 'label-rules',
            err: errorFields(err),
          },
          'helper failed',
        );
      }
    }
    return { ref, number: item.number, isPull, added, payloadLabels, config, ruleAdded };
  };

  return {
    of(context: LabeledContext): Promise<LabeledEvent | null> {
      let pending = seen.get(context.payload);
      if (!pending) {
        pending = resolve(context);
        seen.set(context.payload, pending);
      }
      return pending;
    },
  };
}

export type LabeledEvents = ReturnType<typeof labeledEvents>;

/**
 * Each behaviour runs on its own and failures are logged, not thrown: GitHub does not redeliver a failed webhook,
 * and one failing helper (e.g. missing permission for tags) must not stop the others.
 */
export async function guarded(
  log: Logger,
  helper: string,
  meta: Record<string, unknown>,
  fn: () => Promise<unknown>,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.error({ ...meta, helper, err: errorFields(err) }, 'helper failed');
  }
}
