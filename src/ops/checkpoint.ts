/**
 * Resumable backfill: a small JSON file records the last issue whose labeling finished.
 * Issues are processed in ascending number order, so "last completed" is enough to know what is left.
 * The file is replaced atomically (write + rename) so a kill mid-write never leaves it half-written.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Checkpoint {
  version: 1;
  repo: string;
  /** The options that decide which issues a run covers; a checkpoint from a different selection is refused. */
  selection: { state: string; since: string | null };
  lastCompleted: number;
  completed: number;
  updatedAt: string;
}

export class CheckpointMismatchError extends Error {}

export async function readCheckpoint(path: string): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const data = JSON.parse(text) as Partial<Checkpoint>;
  if (data.version !== 1 || typeof data.repo !== 'string' || typeof data.lastCompleted !== 'number') {
    throw new CheckpointMismatchError(`${path} is not a label-bot backfill checkpoint`);
  }
  return data as Checkpoint;
}

/** Refuses to resume a different repo or selection: skipping by issue number would then skip the wrong issues. */
export function assertResumable(cp: Checkpoint, repo: string, selection: Checkpoint['selection'], path: string): void {
  if (cp.repo.toLowerCase() !== repo.toLowerCase()) {
    throw new CheckpointMismatchError(`${path} belongs to ${cp.repo}, not ${repo}; pass another --state-file`);
  }
  if (cp.selection.state !== selection.state || cp.selection.since !== selection.since) {
    throw new CheckpointMismatchError(
      `${path} was written for --state ${cp.selection.state} --since ${cp.selection.since ?? '(none)'}; ` +
        `rerun with the same options or delete the file to start over`,
    );
  }
}

export async function writeCheckpoint(path: string, cp: Checkpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(cp, null, 2)}\n`);
  await rename(tmp, path);
}

export function defaultCheckpointPath(repo: string): string {
  return `.label-bot/backfill-${repo.replace('/', '__')}.json`;
}
