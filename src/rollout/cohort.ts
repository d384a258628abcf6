import { createHash } from 'node:crypto';

/**
 * Deterministic rollout cohort. The same (salt, repo, issue) always lands in the same bucket, so a redelivered
 * event takes the same path, and because membership is `bucket < ratio`, raising a ratio only ever adds issues.
 * The repo name is lower-cased: GitHub names are case-insensitive and a case-only rename must not reshuffle cohorts.
 */
export function cohortBucket(salt: string, repoFullName: string, issueNumber: number): number {
  const digest = createHash('sha256').update(`${salt}${repoFullName.toLowerCase()}#${issueNumber}`, 'utf8').digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function inCohort(bucket: number, ratio: number): boolean {
  if (!(ratio > 0)) return false;
  if (ratio >= 1) return true;
  return bucket < ratio;
}

export interface CohortDecision {
  bucket: number;
  ratio: number;
  inCohort: boolean;
}

export function decideCohort(salt: string, repoFullName: string, issueNumber: number, ratio: number): CohortDecision {
  const bucket = cohortBucket(salt, repoFullName, issueNumber);
  return { bucket, ratio, inCohort: inCohort(bucket, ratio) };
}
