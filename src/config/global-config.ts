import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { repoHelpersSchema, type RepoHelpersConfig } from '../helpers/schema';
import { helperWarnings } from '../helpers/subscriptions-parser';
import { formatZodIssues, repoConfigFileSchema, type RepoConfigFile } from '../github/repo-config';
import { IssueBackedConfig, type ParseResult } from './issue-backed-config';
import type { Logger } from '../log/logger';
import { ROLLOUT_MODES, type IssueRef, type RolloutRule } from '../vocabulary';

/**
 * The operator's config issue (`CONFIG_ISSUE=owner/repo#N`). Its body holds exactly one fenced ```yaml block;
 * everything outside it is prose. Strict schemas so a typo is reported in the status comment instead of being ignored.
 */

/** Bodies above this are rejected before YAML parsing (GitHub allows 65,536 characters anyway). */
export const MAX_CONFIG_BODY_CHARS = 65_536;
/** Low alias cap: a "billion laughs" YAML cannot blow up an instance. */
export const MAX_YAML_ALIASES = 50;
export const DEFAULT_CONFIG_TTL_MS = 60_000;
export const CONFIG_STATUS_MARKER = '<!-- label-bot:config-status -->';

const repoKey = z.string().regex(/^[A-Za-z0-9-]+\/(?:[A-Za-z0-9._-]+|\*)$/, 'expected "owner/repo" or "owner/*"');
const exactRepoKey = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'expected "owner/repo"');
const ratio = z.number().min(0).max(1);

export const rolloutEntrySchema = z.union([
  ratio,
  z.strictObject({
    ratio,
    mode: z.enum(ROLLOUT_MODES).default('active'),
    // `label-bot retrain` (the scheduled job) retrains only the repos that opt in here.
    retrain: z.boolean().default(false),
  }),
]);

export const globalConfigSchema = z.strictObject({
  salt: z.string().min(1, 'salt must be a non-empty string'),
  rollout: z.record(repoKey, rolloutEntrySchema).default({}),
  defaults: repoConfigFileSchema.strict().optional(),
  repos: z.record(exactRepoKey, repoHelpersSchema).default({}),
});

export interface GlobalConfig {
  salt: string;
  /** Lower-cased keys. */
  rollout: Record<string, RolloutRule>;
  defaults: RepoConfigFile | null;
  /** Lower-cased keys. */
  repos: Record<string, RepoHelpersConfig>;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*(yaml|yml)[ \t]*$/gim;

/** Finds the single ```yaml block. Its closing fence is the next line of the same fence characters. */
export function extractYamlBlock(body: string): { ok: true; yaml: string } | { ok: false; error: string } {
  const text = body.replace(/\r\n?/g, '\n');
  const opens = [...text.matchAll(FENCE)];
  if (opens.length === 0) return { ok: false, error: 'no ```yaml block found in the issue body' };
  if (opens.length > 1) return { ok: false, error: `found ${opens.length} \`\`\`yaml blocks; keep exactly one` };
  const open = opens[0]!;
  const fence = open[1]!;
  const start = open.index! + open[0].length + 1;
  const rest = text.slice(start);
  const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`, 'm').exec(rest);
  if (!close) return { ok: false, error: 'the ```yaml block is not closed' };
  return { ok: true, yaml: rest.slice(0, close.index) };
}

export function parseGlobalConfig(body: string): ParseResult<GlobalConfig> {
  if (body.length > MAX_CONFIG_BODY_CHARS)
    return { ok: false, errors: [`issue body longer than ${MAX_CONFIG_BODY_CHARS} characters`] };
  const block = extractYamlBlock(body);
  if (!block.ok) return { ok: false, errors: [block.error] };
  let raw: unknown;
  try {
    raw = parseYaml(block.yaml, { maxAliasCount: MAX_YAML_ALIASES, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    return { ok: false, errors: [`invalid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: ['the yaml block must be a mapping with at least `salt:`'] };
  }
  const result = globalConfigSchema.safeParse(raw);
  if (!result.success) return { ok: false, errors: formatZodIssues(result.error) };
  const data = result.data;

  const warnings: string[] = [];
  const rollout: Record<string, RolloutRule> = {};
  for (const [key, entry] of Object.entries(data.rollout)) {
    const lower = key.toLowerCase();
    if (rollout[lower])
      warnings.push(
        `rollout: "${key}" repeats "${rollout[lower].key}" (names are case-insensitive); the later one wins`,
      );
    // An org entry's model is shared by many repos; retraining it from one repo's corrections would be wrong.
    if (typeof entry !== 'number' && entry.retrain && key.endsWith('/*'))
      warnings.push(`rollout: "${key}": retrain applies to exact owner/repo entries only; ignored here`);
    rollout[lower] =
      typeof entry === 'number'
        ? { ratio: entry, mode: 'active', key }
        : {
            ratio: entry.ratio,
            mode: entry.mode,
            key,
            ...(entry.retrain && !key.endsWith('/*') ? { retrain: true } : {}),
          };
  }
  const repos: Record<string, RepoHelpersConfig> = {};
  for (const [key, entry] of Object.entries(data.repos)) {
    repos[key.toLowerCase()] = entry;
    // Bad handles / ref-unsafe ciflow labels are warnings (the rest of the entry works), shown in the status comment.
    warnings.push(...helperWarnings(entry).map((w) => `repos.${key}: ${w}`));
  }
  return { ok: true, value: { salt: data.salt, rollout, defaults: data.defaults ?? null, repos }, warnings };
}

/** Parses `owner/repo#N`. */
export function parseIssueLocator(value: string): IssueRef {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)#(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`CONFIG_ISSUE must look like owner/repo#123, got "${value}"`);
  return { owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
}

export function createGlobalConfigStore(opts: {
  ref: IssueRef;
  ttlMs?: number;
  now?: () => number;
  log?: Logger;
}): IssueBackedConfig<GlobalConfig> {
  return new IssueBackedConfig<GlobalConfig>({
    ref: opts.ref,
    parse: parseGlobalConfig,
    ttlMs: opts.ttlMs ?? DEFAULT_CONFIG_TTL_MS,
    statusCommentMarker: CONFIG_STATUS_MARKER,
    title: 'label-bot configuration',
    now: opts.now,
    log: opts.log,
  });
}
