/** What the ops commands take from their surroundings: the process's by default, each part replaceable by the caller. */
import type { Storage } from '@google-cloud/storage';
import pino from 'pino';
import { createLogger, type Logger } from '../log/logger';
import type { GitHubClient } from '../vocabulary';
import type { ModelLoaders } from './model-source';
import type { Sleep } from './rate-limit';

export interface OpsIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  /** Progress and notes go here, so stdout stays clean for tables and `--json`. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  sleep?: Sleep;
  /** Overrides the ML core's loaders (where models come from and how they are scored). */
  loaders?: ModelLoaders;
  storage?: Storage;
  /** Overrides the GitHub client built from the environment. */
  octokit?: GitHubClient;
}

export function processIo(): OpsIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr };
}

/**
 * Operator commands log to stderr (stdout carries tables and `--json`), at `warn` unless LOG_LEVEL says otherwise:
 * rate-limit waits show, per-issue decision lines only with LOG_LEVEL=info.
 */
export function cliLogger(name: string, env: NodeJS.ProcessEnv): Logger {
  const log = createLogger(name, pino.destination(2));
  log.level = env.LOG_LEVEL ?? 'warn';
  return log;
}
