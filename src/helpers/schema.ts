import { z } from 'zod';

/**
 * Maintainer-helper settings (CC subscriptions, label rules, ciflow).
 *
 * The same shape is accepted in two places:
 * - under `repos: { "owner/repo": … }` in the global config issue (operator-owned);
 * - in a ```yaml block of the repo's own tracking issue (`tracking-issue: N`), next to PTP-style `* label @user` bullets.
 *
 * Objects are strict so a typo (`label-rule:`) is reported instead of silently doing nothing.
 * Handles and ciflow label names are only checked structurally here: a bad handle becomes a *warning*
 * (see `normalizeHelpers` in ./subscriptions-parser) so one typo never disables everybody else's subscriptions.
 * Fields carry no defaults so a repo section and a tracking issue can be merged; defaults live in DEFAULT_* below.
 */

/** GitHub caps label names at 50 characters. */
export const labelNameSchema = z.string().trim().min(1).max(50);

/** `"@alice @org/team"` (PTP style) or `["@alice", "@org/team"]`. */
export const handleListSchema = z.union([z.string(), z.array(z.string())]);

/**
 * CC subscriptions: either PTP's Markdown bullets as one string (`* label @user @org/team` per line)
 * or a map from label to handles.
 */
export const ccSchema = z.union([z.string(), z.record(labelNameSchema, handleListSchema)]);

export const labelRuleSchema = z
  .strictObject({
    any: z.array(labelNameSchema).min(1).optional(),
    all: z.array(labelNameSchema).min(1).optional(),
    then: z.array(labelNameSchema).min(1),
  })
  .refine((r) => (r.any === undefined) !== (r.all === undefined), {
    message: 'a label rule needs exactly one of `any:` or `all:` (plus `then:`)',
  });

export const CIFLOW_MODES = ['tag', 'repository_dispatch'] as const;
export const CIFLOW_FORKS = ['review', 'tag', 'skip'] as const;

export const ciflowSchema = z.strictObject({
  /** Labels that trigger CI on a pull request. */
  labels: z.array(labelNameSchema).min(1),
  /** `tag` (default): push tag `ciflow/<label>/<PR>`; `repository_dispatch`: send one dispatch per (head SHA, label). */
  mode: z.enum(CIFLOW_MODES).optional(),
  /**
   * Fork PRs whose author lacks write access: `review` (default) triggers CI only on a head SHA a writer labeled, and
   * withdraws the tag when the author pushes again; `tag` lets the tag follow every push (the old behaviour: code
   * nobody reviewed runs with the repo's secrets); `skip` never triggers CI for a fork PR. See docs/helpers.md.
   */
  forks: z.enum(CIFLOW_FORKS).optional(),
  /** event_type of the repository_dispatch (mode repository_dispatch only). Default `ciflow`. */
  'dispatch-event-type': z.string().trim().min(1).max(100).optional(),
});

export const repoHelpersSchema = z.strictObject({
  cc: ccSchema.optional(),
  'label-rules': z.array(labelRuleSchema).optional(),
  ciflow: ciflowSchema.optional(),
  /** A label a human removed less than this many minutes ago is never re-added by a rule. 0 disables the check. */
  'respect-removal-minutes': z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 365)
    .optional(),
});

export type RepoHelpersConfig = z.infer<typeof repoHelpersSchema>;
export type CiflowMode = (typeof CIFLOW_MODES)[number];
export type CiflowForks = (typeof CIFLOW_FORKS)[number];

export const DEFAULT_RESPECT_REMOVAL_MINUTES = 60;
export const DEFAULT_CIFLOW_MODE: CiflowMode = 'tag';
export const DEFAULT_CIFLOW_FORKS: CiflowForks = 'review';
export const DEFAULT_DISPATCH_EVENT_TYPE = 'ciflow';
