import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * `.github/issue_label_bot.yaml`, compatible with Issue-Label-Bot / Kubeflow label microservice files
 * (`label-alias`, `predicted-labels`) plus label-bot's own keys. The org's `{owner}/.github` file is merged
 * under the repo's file, and the operator's `defaults` from the global config issue under both.
 */

export const MAX_REPO_CONFIG_CHARS = 32_768;
const YAML_OPTIONS = { maxAliasCount: 20, uniqueKeys: true, prettyErrors: false } as const;

const confidence = z.number().min(0).max(1);

/** KLM allowed `predicted-labels` as a list or as a map whose values may carry a per-label threshold. */
const predictedLabelsSchema = z.union([
  z.array(z.string().min(1)),
  z.record(
    z.string().min(1),
    z
      .union([
        z.null(),
        z.object({ 'min-confidence': confidence.optional(), min_confidence: confidence.optional() }).passthrough(),
      ])
      .optional(),
  ),
]);

/**
 * Issue-Label-Bot's model said `feature_request` where ours says `feature`; its users' files still use the old key.
 * An alias key is read through this table, so `feature_request: enhancement` works as documented there.
 */
export const MODEL_LABEL_SYNONYMS: Readonly<Record<string, string>> = Object.freeze({
  feature_request: 'feature',
  'feature-request': 'feature',
  'feature request': 'feature',
  bug_report: 'bug',
  'bug-report': 'bug',
});

/** The model label an alias key means: itself, or what a known synonym stands for. */
export function canonicalModelLabel(key: string): string {
  return Object.hasOwn(MODEL_LABEL_SYNONYMS, key.trim().toLowerCase())
    ? MODEL_LABEL_SYNONYMS[key.trim().toLowerCase()]!
    : key;
}

export const repoConfigFileSchema = z.object({
  /** Model label → repo label. An empty value (`question:`) keeps that label as the model names it (ILB's meaning). */
  'label-alias': z.record(z.string().min(1), z.union([z.string(), z.null()])).optional(),
  'predicted-labels': predictedLabelsSchema.optional(),
  comment: z.boolean().optional(),
  'skip-if-labeled': z.boolean().optional(),
  'min-confidence': confidence.optional(),
  'not-confident-comment': z.boolean().optional(),
  'tracking-issue': z.number().int().positive().optional(),
});

export type RepoConfigFile = z.infer<typeof repoConfigFileSchema>;

export interface RepoConfig {
  /** Model label → repo label. */
  labelAlias: Record<string, string>;
  /** Allowlist (repo label or model label); null = every model label may be applied. */
  predictedLabels: string[] | null;
  /** Per-label minimum confidence from a `predicted-labels` map, keyed like the allowlist. */
  labelMinConfidence: Record<string, number>;
  comment: boolean;
  skipIfLabeled: boolean;
  minConfidence: number;
  notConfidentComment: boolean;
  trackingIssue: number | null;
  /** Why a file was ignored or which keys were unknown; logged, never fatal. */
  warnings: string[];
}

export const DEFAULT_REPO_CONFIG: Readonly<RepoConfig> = Object.freeze({
  labelAlias: {},
  predictedLabels: null,
  labelMinConfidence: {},
  comment: true,
  skipIfLabeled: false,
  minConfidence: 0,
  notConfidentComment: false,
  trackingIssue: null,
  warnings: [],
});

export type ParsedRepoConfigFile =
  { ok: true; file: RepoConfigFile; warnings: string[] } | { ok: false; errors: string[] };

export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Validates an already-parsed object (used for the global config's `defaults`, too). Unknown keys are warnings. */
export function validateRepoConfigObject(raw: unknown): ParsedRepoConfigFile {
  if (raw === null || raw === undefined) return { ok: true, file: {}, warnings: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, errors: ['(root): expected a mapping'] };
  const result = repoConfigFileSchema.safeParse(raw);
  if (!result.success) return { ok: false, errors: formatZodIssues(result.error) };
  const known = new Set(Object.keys(repoConfigFileSchema.shape));
  const warnings = Object.keys(raw)
    .filter((k) => !known.has(k))
    .map((k) => `unknown key "${k}" ignored`);
  return { ok: true, file: result.data, warnings };
}

export function parseRepoConfigText(text: string): ParsedRepoConfigFile {
  if (text.length > MAX_REPO_CONFIG_CHARS)
    return { ok: false, errors: [`file larger than ${MAX_REPO_CONFIG_CHARS} characters`] };
  let raw: unknown;
  try {
    raw = parseYaml(text, YAML_OPTIONS);
  } catch (err) {
    return { ok: false, errors: [`invalid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  return validateRepoConfigObject(raw);
}

/**
 * Merges a file's `label-alias` over `base`: keys go through MODEL_LABEL_SYNONYMS (an explicit model-label key wins
 * over its synonym), and an empty value removes any inherited alias so the label stays as the model names it.
 */
export function mergeAliases(
  base: Readonly<Record<string, string>>,
  aliases: Readonly<Record<string, string | null>> | undefined,
): Record<string, string> {
  const entries = new Map(Object.entries(base));
  const given = Object.entries(aliases ?? {});
  // Synonyms first, so `feature: x` beats `feature_request: y` whatever the order in the file.
  given.sort(([a], [b]) => Number(canonicalModelLabel(a) === a) - Number(canonicalModelLabel(b) === b));
  for (const [key, value] of given) {
    const model = canonicalModelLabel(key);
    const target = (value ?? '').trim();
    if (target === '') entries.delete(model);
    else entries.set(model, target);
  }
  return Object.fromEntries(entries);
}

/** The universal model's labels (models/universal); alias keys outside them and their synonyms are reported. */
export const DEFAULT_MODEL_LABELS: readonly string[] = Object.freeze(['bug', 'feature', 'question']);

/** Problems with alias keys the model never emits (neither its own label nor a known synonym of one). */
export function aliasKeyProblems(
  aliases: Readonly<Record<string, string | null>> | undefined,
  modelLabels: readonly string[],
): string[] {
  const known = new Set(modelLabels);
  return Object.keys(aliases ?? {})
    .filter((k) => !known.has(canonicalModelLabel(k)))
    .map(
      (k) =>
        `label-alias.${k}: the model never predicts "${k}" (it predicts ${modelLabels.map((l) => `"${l}"`).join(', ')}); this alias has no effect`,
    );
}

function applyFile(base: RepoConfig, file: RepoConfigFile): RepoConfig {
  const next: RepoConfig = { ...base, labelAlias: mergeAliases(base.labelAlias, file['label-alias']) };
  const predicted = file['predicted-labels'];
  if (predicted !== undefined) {
    if (Array.isArray(predicted)) {
      next.predictedLabels = [...predicted];
      next.labelMinConfidence = {};
    } else {
      next.predictedLabels = Object.keys(predicted);
      next.labelMinConfidence = {};
      for (const [label, settings] of Object.entries(predicted)) {
        const min = settings?.['min-confidence'] ?? settings?.min_confidence;
        if (typeof min === 'number') next.labelMinConfidence[label] = min;
      }
    }
  }
  if (file.comment !== undefined) next.comment = file.comment;
  if (file['skip-if-labeled'] !== undefined) next.skipIfLabeled = file['skip-if-labeled'];
  if (file['min-confidence'] !== undefined) next.minConfidence = file['min-confidence'];
  if (file['not-confident-comment'] !== undefined) next.notConfidentComment = file['not-confident-comment'];
  if (file['tracking-issue'] !== undefined) next.trackingIssue = file['tracking-issue'];
  return next;
}

export interface RepoConfigSources {
  /** Operator defaults from the global config issue (already validated there). */
  defaults?: RepoConfigFile | null;
  /** Raw text of `{owner}/.github:.github/issue_label_bot.yaml`, null when absent. */
  orgText?: string | null;
  /** Raw text of the repo's own file, null when absent. */
  repoText?: string | null;
}

/** Layers defaults < org file < repo file. An invalid file is skipped (its reason kept in `warnings`), never fatal. */
export function resolveRepoConfig(sources: RepoConfigSources): RepoConfig {
  let config: RepoConfig = { ...DEFAULT_REPO_CONFIG, labelAlias: {}, labelMinConfidence: {}, warnings: [] };
  const warnings: string[] = [];
  if (sources.defaults) config = applyFile(config, sources.defaults);
  for (const [where, text] of [
    ['org .github', sources.orgText],
    ['repo', sources.repoText],
  ] as const) {
    if (text === null || text === undefined) continue;
    const parsed = parseRepoConfigText(text);
    if (!parsed.ok) {
      warnings.push(...parsed.errors.map((e) => `${where} issue_label_bot.yaml ignored: ${e}`));
      continue;
    }
    warnings.push(...parsed.warnings.map((w) => `${where} issue_label_bot.yaml: ${w}`));
    config = applyFile(config, parsed.file);
  }
  return { ...config, warnings };
}
