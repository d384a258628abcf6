/**
 * GCS layout of published models (all paths relative to the bucket root):
 *
 *   models/{owner}/{repo}/{version}/model.onnx     repo-specific model
 *   models/{owner}/{repo}/{version}/model.json
 *   models/{owner}/{repo}/current.json             pointer: { version, published_at, previous? }
 *   models/{owner}/_org/{version}/…                org-wide fallback (same files)
 *   models/{owner}/_org/current.json
 *   models/_universal/{version}/…                  universal fallback
 *   models/_universal/current.json
 *
 * GitHub owner names cannot contain `_`, so `_universal` never collides with an owner. A repo literally named
 * `_org` would collide with the org scope and is not supported.
 * Versions are written once and never overwritten; only the pointer moves.
 */
export type ModelScope =
  { kind: 'repo'; owner: string; repo: string } | { kind: 'org'; owner: string } | { kind: 'universal' };

export const MODELS_ROOT = 'models';
export const ORG_DIR = '_org';
export const UNIVERSAL_DIR = '_universal';
export const POINTER_FILE = 'current.json';
export const MODEL_FILES = ['model.onnx', 'model.json'] as const;

/** GitHub owner/repo names are case-insensitive; store them lower-cased so lookups never miss on case. */
function segment(name: string): string {
  const s = name.toLowerCase();
  // GitHub caps owner names at 39 and repo names at 100 characters; a longer one (a forged message) would make a GCS
  // path beyond request-line limits, which was seen to hang the storage request instead of failing it.
  if (s.length > 100 || !/^[a-z0-9._-]+$/.test(s) || s === '.' || s === '..')
    throw new Error(`invalid owner/repo name for a model path: ${name.slice(0, 120)}`);
  return s;
}

export function scopePrefix(scope: ModelScope): string {
  switch (scope.kind) {
    case 'repo':
      return `${MODELS_ROOT}/${segment(scope.owner)}/${segment(scope.repo)}/`;
    case 'org':
      return `${MODELS_ROOT}/${segment(scope.owner)}/${ORG_DIR}/`;
    case 'universal':
      return `${MODELS_ROOT}/${UNIVERSAL_DIR}/`;
  }
}

export function scopeKey(scope: ModelScope): string {
  switch (scope.kind) {
    case 'repo':
      return `${scope.owner}/${scope.repo}`.toLowerCase();
    case 'org':
      return `${scope.owner.toLowerCase()}/*`;
    case 'universal':
      return '*';
  }
}

export function pointerPath(scope: ModelScope): string {
  return `${scopePrefix(scope)}${POINTER_FILE}`;
}

export function versionPrefix(scope: ModelScope, version: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(version)) throw new Error(`invalid model version name: ${version}`);
  return `${scopePrefix(scope)}${version}/`;
}

/** Resolution order for a repo: its own model, then its org's, then the universal one. */
export function resolutionChain(owner: string, repo: string): ModelScope[] {
  return [{ kind: 'repo', owner, repo }, { kind: 'org', owner }, { kind: 'universal' }];
}

/**
 * Parses `owner/repo`, `owner/*` (org) or `*` / `_universal` (universal) as used by the CLI.
 */
export function parseScope(text: string): ModelScope {
  const t = text.trim();
  if (t === '*' || t === UNIVERSAL_DIR || t === 'universal') return { kind: 'universal' };
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(t);
  if (!m) throw new Error(`expected owner/repo, owner/* or '*' (universal), got: ${text}`);
  const [, owner, repo] = m as unknown as [string, string, string];
  if (repo === '*' || repo === ORG_DIR) return { kind: 'org', owner };
  return { kind: 'repo', owner, repo };
}

/** A sortable, unique version name: UTC timestamp to the millisecond + short content hash. */
export function newVersionName(now: Date, contentHash: string): string {
  // 2026-11-22T07:45:22.123Z → 20261122T074522123Z; milliseconds keep quick successive publishes in order.
  const ts = now.toISOString().replace(/[-:.]/g, '');
  return `${ts}-${contentHash.slice(0, 8)}`;
}
