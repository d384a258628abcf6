import type { Logger } from 'pino';
import { getLiveItem, messageOf, statusOf } from './github-ops';
import type { GitHubClient, RepoRef } from '../vocabulary';
import { approvesHead, updateReviewComment, type CiflowReviewGate } from './ciflow-review';
import { labelKey } from './handles';
import { ciflowTagLabel, type CiflowConfig } from './subscriptions-parser';

/** `ciflow/<label>/<PR>`; a label already named `ciflow/x` maps to `ciflow/x/<PR>`, as in PyTorch. */
export function ciflowTagName(label: string, pr: number): string {
  return `ciflow/${ciflowTagLabel(label)}/${pr}`;
}

/** Commit-status context used as the dedup marker of repository_dispatch mode. */
export function dispatchStatusContext(label: string): string {
  return `label-bot/ciflow/${ciflowTagLabel(label)}`;
}

export interface CiflowInput {
  octokit: GitHubClient;
  ref: RepoRef;
  pr: number;
  /** Which configured labels to reconcile (the label of a labeled/unlabeled event, or all for the other actions). */
  labels: readonly string[];
  /** PR head repo differs from the base repo. */
  isFork: boolean;
  /** Fork PRs under `forks: review` (see ./ciflow-review.ts); ignored for same-repo PRs and other `forks` values. */
  review?: CiflowReviewGate;
  log: Logger;
}

export type TagAction =
  | 'created'
  | 'moved'
  | 'unchanged'
  | 'deleted'
  | 'absent'
  | 'skipped-fork'
  | 'missing-commit'
  | 'dispatched'
  /** Fork PR head not reviewed by a writer: nothing triggered, any older tag removed, one comment asks for review. */
  | 'awaiting-review';

export async function getTagSha(octokit: GitHubClient, ref: RepoRef, tag: string): Promise<string | null> {
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...ref, ref: `tags/${tag}` });
    return data.object.sha;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/** Points the lightweight tag at `sha`; reads first so a redelivery writes nothing. */
export async function upsertTag(octokit: GitHubClient, ref: RepoRef, tag: string, sha: string): Promise<TagAction> {
  const current = await getTagSha(octokit, ref, tag);
  if (current === sha) return 'unchanged';
  if (current === null) {
    try {
      await octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...ref, ref: `refs/tags/${tag}`, sha });
      return 'created';
    } catch (e) {
      // Another copy of the bot created it between our read and write: fall through and move it.
      if (!(statusOf(e) === 422 && /already exists/i.test(messageOf(e)))) throw e;
    }
  }
  await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...ref, ref: `tags/${tag}`, sha, force: true });
  return 'moved';
}

export async function deleteTag(octokit: GitHubClient, ref: RepoRef, tag: string): Promise<TagAction> {
  if ((await getTagSha(octokit, ref, tag)) === null) return 'absent';
  try {
    await octokit.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { ...ref, ref: `tags/${tag}` });
    return 'deleted';
  } catch (e) {
    const s = statusOf(e);
    // Already gone (another copy, or a human): the desired state holds.
    if (s === 404 || (s === 422 && /does not exist/i.test(messageOf(e)))) return 'absent';
    throw e;
  }
}

/**
 * Sends one repository_dispatch per (head SHA, label). The dedup marker is a commit status on that SHA, so it lives in
 * GitHub and survives Lambda restarts; two copies racing within one round trip can still both dispatch (documented).
 * Dispatch happens before the marker is written: a crash in between re-dispatches rather than losing the CI run.
 */
async function dispatchedAt(octokit: GitHubClient, ref: RepoRef, label: string, sha: string): Promise<boolean> {
  const context = dispatchStatusContext(label);
  const statuses = (await octokit.paginate('GET /repos/{owner}/{repo}/commits/{ref}/statuses', {
    ...ref,
    ref: sha,
    per_page: 100,
  })) as Array<{ context?: string }>;
  return statuses.some((s) => s.context === context);
}

async function dispatchOnce(
  octokit: GitHubClient,
  ref: RepoRef,
  cfg: CiflowConfig,
  label: string,
  pr: number,
  sha: string,
): Promise<TagAction> {
  const context = dispatchStatusContext(label);
  if (await dispatchedAt(octokit, ref, label, sha)) return 'unchanged';
  await octokit.request('POST /repos/{owner}/{repo}/dispatches', {
    ...ref,
    event_type: cfg.eventType,
    client_payload: { label, pr, head_sha: sha, tag: ciflowTagName(label, pr) },
  });
  await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
    ...ref,
    sha,
    state: 'success',
    context,
    description: `repository_dispatch "${cfg.eventType}" sent for ${label}`.slice(0, 140),
  });
  return 'dispatched';
}

/**
 * Makes the tags of `input.labels` match the live PR: open and labeled → tag at the current head SHA, otherwise no tag.
 * Reading the live PR (not the payload) makes the outcome independent of delivery order: a late `synchronize` for an
 * older head cannot move a tag backwards, and a late `unlabeled` cannot delete the tag of a label that was re-added.
 *
 * Fork PRs: GitHub stores the fork's head commit in the base repository as `refs/pull/N/head`, so the base repo can
 * point a tag at that SHA and a `push: tags` workflow in the base repo runs on it. If GitHub still answers 422
 * "Object does not exist" (e.g. the PR ref is not yet created), we log and skip; the next synchronize retries.
 */
export async function reconcileCiflow(cfg: CiflowConfig, input: CiflowInput): Promise<Record<string, TagAction>> {
  const wanted = input.labels.filter((l) => cfg.labels.some((c) => labelKey(c) === labelKey(l)));
  const result: Record<string, TagAction> = {};
  if (wanted.length === 0) return result;
  const live = await getLiveItem(input.octokit, input.ref, input.pr, true);
  const present = new Set(live.labels.map(labelKey));
  const gate = input.isFork && cfg.forks === 'review' ? input.review : undefined;
  // Asked at most once per delivery, and only when a label is active on a fork PR.
  let authorTrusted: Promise<boolean> | undefined;
  const waiting: string[] = [];
  const approved: string[] = [];
  for (const label of wanted) {
    const tag = ciflowTagName(label, input.pr);
    const active = live.open && present.has(labelKey(label)) && live.headSha !== undefined;
    if (active && input.isFork && cfg.forks === 'skip') {
      input.log.info({ pr: input.pr, label }, 'ciflow: fork PR skipped (ciflow.forks: skip)');
      result[label] = 'skipped-fork';
      continue;
    }
    try {
      if (active && gate && !(await (authorTrusted ??= gate.isWriter(live.author)))) {
        const head = live.headSha as string;
        if (await approvesHead(gate, label, head)) {
          approved.push(label);
        } else {
          const already =
            cfg.mode === 'repository_dispatch'
              ? await dispatchedAt(input.octokit, input.ref, label, head)
              : (await getTagSha(input.octokit, input.ref, tag)) === head;
          if (already) {
            result[label] = 'unchanged';
            continue;
          }
          if (cfg.mode === 'tag') await deleteTag(input.octokit, input.ref, tag);
          waiting.push(label);
          result[label] = 'awaiting-review';
          input.log.info(
            { pr: input.pr, label, head_sha: head },
            'ciflow: fork PR head not reviewed by a writer; not triggered',
          );
          continue;
        }
      }
      if (cfg.mode === 'repository_dispatch') {
        result[label] = active
          ? await dispatchOnce(input.octokit, input.ref, cfg, label, input.pr, live.headSha as string)
          : 'absent';
      } else {
        result[label] = active
          ? await upsertTag(input.octokit, input.ref, tag, live.headSha as string)
          : await deleteTag(input.octokit, input.ref, tag);
      }
    } catch (e) {
      if (statusOf(e) === 422 && /object does not exist/i.test(messageOf(e))) {
        input.log.warn(
          { pr: input.pr, label, fork: input.isFork },
          'ciflow: head commit not found in the base repository; tag not created',
        );
        result[label] = 'missing-commit';
        continue;
      }
      throw e;
    }
    input.log.info({ pr: input.pr, label, tag, action: result[label] }, 'ciflow reconciled');
  }
  if (gate && live.headSha && (waiting.length > 0 || approved.length > 0)) {
    await updateReviewComment(
      input.octokit,
      input.ref,
      input.pr,
      { author: live.author, headSha: live.headSha, waiting, approved, approvedBy: gate.approval?.by },
      input.log,
    );
  }
  return result;
}
