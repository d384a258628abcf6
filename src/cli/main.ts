/**
 * `label-bot` CLI entry. Each command lives in ./commands/<name>.ts and exports register(program); adding a command
 * is one line in COMMANDS below.
 *
 * Only the command being run is loaded: the modules behind the others (Probot, the GCS client, vega, ONNX Runtime)
 * take seconds to import, and `label-bot check-config file` or `models list` should not wait for all of them.
 * Anything that is not one known command (`--help`, `--version`, `help`, a typo that wants a did-you-mean) loads all.
 */
import { Command } from 'commander';
import { runCli } from './run';
import { configureUsage } from './usage';

type Registrar = () => Promise<{ register(program: Command): void }>;

/** In the order `label-bot --help` lists them. */
const COMMANDS: Record<string, Registrar> = {
  'fetch-issues': () => import('./commands/fetch-issues'),
  train: () => import('./commands/train'),
  eval: () => import('./commands/eval'),
  predict: () => import('./commands/predict'),
  backfill: () => import('./commands/backfill'),
  report: () => import('./commands/report'),
  publish: () => import('./commands/publish'),
  rollback: () => import('./commands/rollback'),
  models: () => import('./commands/models'),
  'check-config': () => import('./commands/check-config'),
  onboard: () => import('./commands/onboard'),
  retrain: () => import('./commands/retrain'),
};

const program = new Command('label-bot').description('Train, evaluate and serve label-bot issue classifiers');

const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const module of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) module.register(program);
configureUsage(program);

await runCli(program, process.argv);
