import { z } from 'zod';

/**
 * Per-repo maintainer-helper settings, as they appear under `repos: { "owner/repo": … }` in the global config issue.
 * Owned by the maintainer-helpers work (issue 5); the global config schema embeds it so every key is validated in one place.
 */
export const repoHelpersSchema = z.object({}).passthrough();

export type RepoHelpersConfig = z.infer<typeof repoHelpersSchema>;
