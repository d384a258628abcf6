import type { Probot } from 'probot';

/**
 * Entry point for the PyTorch-Probot-style maintainer helpers (CC, label rules, ciflow).
 * The frontend app calls this once; the helpers issue owns what it registers.
 */
export function registerHelpers(_app: Probot): void {
  // Filled in by the maintainer-helpers work (issue 5).
}
