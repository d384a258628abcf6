import type { ProbotOctokit } from 'probot';

/**
 * The words every part of label-bot shares. This module imports nothing from the project, so any layer may import
 * it and none of these names is defined twice. One name per idea:
 * - a repository is a {@link RepoRef}, one issue in it an {@link IssueRef};
 * - every GitHub call goes through a {@link GitHubClient};
 * - a repo's rollout is a {@link RolloutRule} whose {@link RolloutMode} says whether the worker's labels count;
 * - which family of models labels an issue is a {@link ModelSource}; what the labeler does with a decision is a
 *   {@link LabelingMode}.
 */

/** A repository. Names are case-insensitive on GitHub; compare them lower-cased. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** One issue (or pull request: GitHub numbers them in one sequence). */
export interface IssueRef extends RepoRef {
  number: number;
}

/**
 * An installation-authenticated GitHub client: a webhook's `context.octokit`, `probot.auth(installationId)`, or the
 * worker's and CLI's clients from src/github/octokit.ts. All of them are Probot's Octokit class.
 */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/**
 * `active`: the repo's own model labels the issues in its cohort. `shadow`: the worker only predicts and logs, and the
 * universal model keeps labeling (a dry run of a repo model on live traffic).
 */
export const ROLLOUT_MODES = ['active', 'shadow'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

/** The config issue's rollout entry for one repo (or for `owner/*`). */
export interface RolloutRule {
  /** Share of the repo's new issues forwarded to the worker, 0..1. */
  ratio: number;
  mode: RolloutMode;
  /** The key that matched: `owner/repo` or `owner/*`. */
  key: string;
  /** Set (true) when the repo opted in to scheduled retraining (`label-bot retrain`); absent otherwise. */
  retrain?: true;
}

/**
 * Which family of models labels an issue. `repo`: the repo's resolution chain (repo → org → universal), for issues in
 * a rollout cohort. `universal`: the universal model only.
 */
export const MODEL_SOURCES = ['repo', 'universal'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/**
 * What the labeler does with its decision: `act` writes labels and the comment, `shadow` decides and logs only
 * (a rollout in shadow mode), `dry-run` decides and returns what it would write (backfill --dry-run). Not to be
 * confused with {@link RolloutMode}, the operator's setting that leads the worker to label in `shadow`.
 */
export const LABELING_MODES = ['act', 'shadow', 'dry-run'] as const;
export type LabelingMode = (typeof LABELING_MODES)[number];
