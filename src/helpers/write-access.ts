import { statusOf } from './github-ops';
import type { GitHubClient, RepoRef } from '../vocabulary';

const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

/**
 * Whether `login` can push to the repo (admin, maintain or write). A 404 means "not a collaborator"; any other failure
 * throws, so a caller that gates CI on the answer fails closed instead of guessing.
 */
export async function hasWriteAccess(octokit: GitHubClient, ref: RepoRef, login: string): Promise<boolean> {
  if (!login) return false;
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
      ...ref,
      username: login,
    });
    const role = (data as { role_name?: string }).role_name;
    return WRITE_ROLES.has(data.permission) || (role !== undefined && WRITE_ROLES.has(role));
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw e;
  }
}
