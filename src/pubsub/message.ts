import { z } from 'zod';
import { repoConfigFileSchema } from '../github/repo-config';
import { MODEL_SOURCES, ROLLOUT_MODES } from '../vocabulary';

/**
 * Pub/Sub message v1: the frontend forwards an issue to the repo-specific worker.
 * The worker treats it as a hint and re-reads the live issue before labeling.
 * Mirrored as JSON Schema in docs/forwarded-issue.schema.json; change both together.
 */
export const MESSAGE_VERSION = 1;

/** Bodies are capped so a message stays far below Pub/Sub's 10 MB limit and the worker re-reads the full text anyway. */
export const MAX_FORWARDED_BODY_CHARS = 65_536;

/**
 * `model`: which models the worker uses (a ModelSource). Absent or `repo`: the repo's resolution chain, for issues in a
 * rollout cohort. `universal`: a retry hand-off of an issue the Lambda failed to label with the universal model
 * (GitHub transiently failing), which must not get a model it was not rolled out to.
 */

export const forwardedIssueSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  delivery_id: z.string().min(1),
  event: z.literal('issues'),
  action: z.string().min(1),
  installation_id: z.number().int().positive(),
  repo: z.object({
    owner: z.string().min(1),
    name: z.string().min(1),
    id: z.number().int(),
    private: z.boolean(),
  }),
  issue: z.object({
    number: z.number().int().positive(),
    id: z.number().int(),
    node_id: z.string(),
    title: z.string(),
    body: z.string().max(MAX_FORWARDED_BODY_CHARS).nullable(),
    labels: z.array(z.string()),
    author: z.string(),
    author_association: z.string(),
    created_at: z.string(),
  }),
  forwarded_at: z.string(),
  cohort: z.object({
    ratio: z.number().min(0).max(1),
    bucket: z.number().min(0).max(1),
    mode: z.enum(ROLLOUT_MODES).default('active'),
  }),
  model: z.enum(MODEL_SOURCES).optional(),
  /**
   * The operator's `defaults:` from the config issue, as the Lambda read it. The worker never reads the config issue
   * itself, so without them the same repo would get different settings (min-confidence, silent mode…) depending on
   * which service labeled the issue. Absent: no defaults (and messages from older frontends). Not strict: the frontend
   * already validated them, and a key added in a newer frontend must not dead-letter every message of an older worker.
   */
  defaults: repoConfigFileSchema.optional(),
});

export type ForwardedIssue = z.infer<typeof forwardedIssueSchema>;

/** Message attributes, so subscriptions can filter and logs can correlate without parsing data. */
export interface ForwardedIssueAttributes {
  repo: string;
  issue: string;
  delivery_id: string;
  [key: string]: string;
}

/**
 * The Pub/Sub ordering key of a forwarded issue. Every delivery of one issue (each forwarded by whichever Lambda
 * instance got it) carries the same key, so a subscription with message ordering hands them out in publish order to
 * one worker stream, where the pod's per-issue lock runs them one after another: racing deliveries stop racing on
 * GitHub, which has no compare-and-set to stop two pods from both creating the comment. Lower-cased because GitHub
 * treats owner and repo names case-insensitively; the worker keys that lock by this same string.
 */
export function orderingKey(message: ForwardedIssue): string {
  return `${message.repo.owner}/${message.repo.name}#${message.issue.number}`.toLowerCase();
}
