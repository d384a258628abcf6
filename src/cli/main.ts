/**
 * `label-bot` CLI entry. Each command lives in ./commands/<name>.ts and exports register(program);
 * adding a command is one import and one register line below.
 */
import { Command } from 'commander';
import { register as registerEval } from './commands/eval';
import { register as registerFetchIssues } from './commands/fetch-issues';
import { register as registerPredict } from './commands/predict';
import { register as registerTrain } from './commands/train';
import { register as registerBackfill } from './commands/backfill';
import { register as registerReport } from './commands/report';
import { register as registerPublish } from './commands/publish';
import { register as registerRollback } from './commands/rollback';
import { register as registerModels } from './commands/models';
import { register as registerCheckConfig } from './commands/check-config';
import { register as registerOnboard } from './commands/onboard';
import { register as registerRetrain } from './commands/retrain';
import { runCli } from './run';
import { configureUsage } from './usage';

const program = new Command('label-bot').description('Train, evaluate and serve label-bot issue classifiers');

registerFetchIssues(program);
registerTrain(program);
registerEval(program);
registerPredict(program);
registerBackfill(program);
registerReport(program);
registerPublish(program);
registerRollback(program);
registerModels(program);
registerCheckConfig(program);
registerOnboard(program);
registerRetrain(program);
configureUsage(program);

await runCli(program, process.argv);
