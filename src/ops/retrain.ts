/**
 * `label-bot retrain`: every repo the config issue marks `retrain: true` (config-issue.md) is decided on its own by
 * retrain-repo.ts; one JSON line per decision on stdout (for the CronJob's logs), a sentence per repo on stderr. One
 * repo's failure is reported and the others still run; the exit code is 1 when any repo could not be decided.
 *
 * GitHub access per repo: a token (GITHUB_TOKEN) serves every repo; the app's credentials (APP_ID + PRIVATE_KEY or
 * PRIVATE_KEY_PATH, as the CronJob has them) look up each repo's own installation, since one app is installed
 * separately on every owner.
 */
import { join } from 'node:path';
import { parseGlobalConfig, parseIssueLocator } from '../config/global-config';
import { storeFromCli } from '../registry/cli-support';
import { cliGitHub } from './cli-github';
import { cliLogger } from './cli-io';
import { retrainRepo, type RetrainDecision, type RetrainRepoOptions } from './retrain-repo';

export interface RetrainOptions {
  /** `owner/repo#N`. */
  configIssue: string | undefined;
  bucket: string | undefined;
  workDir: string;
  /** Only this repo (it must be marked in the config issue). */
  repo?: string;
  dryRun: boolean;
  holdoutShare: number;
  minPrecision: number;
  botLogin?: string;
  env: NodeJS.ProcessEnv;
  command: string;
  stdout: (line: string) => void;
  stderr: (text: string) => void;
  onWarning: (m: string) => void;
}

async function markedRepos(configIssue: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const ref = parseIssueLocator(configIssue);
  const { octokit } = await cliGitHub(ref.owner, ref.repo, { env });
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.number,
  });
  const parsed = parseGlobalConfig(data.body ?? '');
  if (!parsed.ok) throw new Error(`config issue ${configIssue} is invalid: ${parsed.errors.join('; ')}`);
  return Object.values(parsed.value.rollout)
    .filter((r) => r.retrain)
    .map((r) => r.key)
    .sort();
}

function summary(d: RetrainDecision): string {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));
  const on = d.holdout
    ? ` (newest ${d.holdout.n} issues from ${d.holdout.cutoff}: macro-F1 ${f(d.candidate?.macroF1)} vs current ${f(d.current?.macroF1)}, precision ${f(d.candidate?.precision)} vs ${f(d.current?.precision)})`
    : '';
  const what =
    d.decision === 'published' ? `published ${d.candidate?.version} replacing ${d.current?.version}` : d.decision;
  return `${d.repo}: ${what}: ${d.reason}${on}\n`;
}

const dirName = (repo: string) => repo.replace('/', '__');

/** Runs every marked repo; returns the process exit code. */
export async function retrain(opts: RetrainOptions): Promise<number> {
  if (opts.env.INSTALLATION_ID) {
    // The marked repos may belong to several installations: one fixed installation would fail (or read the wrong
    // account's repos) for all but one of them, so each repo's installation is looked up instead.
    opts.stderr("retrain: INSTALLATION_ID is ignored; each repo's installation is looked up from the repo\n");
    const { INSTALLATION_ID: _ignored, ...env } = opts.env;
    opts = { ...opts, env };
  }
  if (!opts.configIssue) throw new Error('no config issue: pass --config owner/repo#N or set CONFIG_ISSUE');
  const store = storeFromCli(opts.bucket, { stdout: opts.stdout, stderr: opts.stderr, env: opts.env });
  const marked = await markedRepos(opts.configIssue, opts.env);
  let repos = marked;
  const decisions: RetrainDecision[] = [];
  // Each decision is printed as soon as it is made: a long run's log shows progress repo by repo.
  const report = (d: RetrainDecision): void => {
    decisions.push(d);
    // The documented key order, whatever order the decision was assembled in.
    const { repo, decision, reason, current, candidate, holdout, ...rest } = d;
    opts.stdout(JSON.stringify({ repo, decision, reason, current, candidate, holdout, ...rest }) + '\n');
    opts.stderr(summary(d));
  };
  if (opts.repo !== undefined) {
    repos = marked.filter((r) => r.toLowerCase() === opts.repo!.toLowerCase());
    if (repos.length === 0) {
      report({
        repo: opts.repo,
        decision: 'skipped',
        reason: `not marked for retraining: add retrain: true to its rollout entry in ${opts.configIssue}`,
        current: null,
        candidate: null,
        holdout: null,
      });
    }
  } else if (repos.length === 0) {
    opts.stderr(`retrain: no rollout entry in ${opts.configIssue} has retrain: true; nothing to do\n`);
  }
  for (const repo of repos) {
    let d: RetrainDecision;
    try {
      const [owner = '', name = ''] = repo.split('/');
      const repoOpts: RetrainRepoOptions = {
        repo,
        github: async () => {
          // Rate-limit waits are logged (JSON on stderr): a long scheduled run is never silently stuck.
          const gh = await cliGitHub(owner, name, { env: opts.env, logger: cliLogger('retrain', opts.env) });
          const botLogin = opts.botLogin ?? (opts.env.LABEL_BOT_LOGIN || undefined) ?? gh.botLogin ?? undefined;
          return { octokit: gh.octokit, ...(botLogin ? { botLogin } : {}) };
        },
        store,
        workDir: join(opts.workDir, dirName(repo)),
        holdoutShare: opts.holdoutShare,
        minPrecision: opts.minPrecision,
        dryRun: opts.dryRun,
        command: opts.command,
        onWarning: (m) => opts.onWarning(`${repo}: ${m}`),
      };
      d = await retrainRepo(repoOpts);
    } catch (err) {
      d = {
        repo,
        decision: 'error',
        reason: (err as Error).message.split('\n')[0]!,
        current: null,
        candidate: null,
        holdout: null,
      };
    }
    report(d);
  }
  return decisions.some((d) => d.decision === 'error') ? 1 : 0;
}
