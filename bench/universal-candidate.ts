/**
 * Trains one candidate universal model: the committed recipe (scripts/universal-options.ts) plus the TrainOptions
 * given as JSON, on all of NLBSE'24, and writes its model directory. This is how docs/ml.md's candidate tables
 * (rounds 2–4) were made; the behaviour suite is then run against the candidate:
 *
 *   npx tsx bench/universal-candidate.ts /tmp/cand-nb '{"nbScaling":[1]}'
 *   BEHAVIOUR_MODEL_DIR=/tmp/cand-nb npx vitest run test/ml/universal-behaviour.test.ts
 *
 * It prints one JSON line: the choice made by leave-one-repo-out (loss, λ) and model.json's non-nested LORO figures
 * (`metrics.unseenRepos`: mean and per-repo macro-F1, title-only, precision / coverage of applied labels).
 * A `featurizer` object in the JSON is merged into the recipe's featurizer settings, not put in its place.
 */
import { existsSync } from 'node:fs';
import { readJsonl } from '../src/ml/dataset';
import { resolveCreatedAt, writeModelDir } from '../src/ml/model-io';
import { trainModel } from '../src/ml/train';
import type { TrainOptions } from '../src/ml/train-options';
import { createProgress } from '../src/ops/progress';
import { UNIVERSAL_OPTIONS, UNIVERSAL_SOURCE_DATE_EPOCH } from '../scripts/universal-options';

const DATA = '../shared/data/nlbse24-train.jsonl';

function main(): number {
  const [out, json = '{}'] = process.argv.slice(2);
  if (!out) {
    process.stderr.write("usage: npx tsx bench/universal-candidate.ts OUT_DIR ['<json TrainOptions>']\n");
    return 2;
  }
  if (!existsSync(DATA)) {
    process.stderr.write(`${DATA} is missing: this bench needs ../shared/data beside the project\n`);
    return 2;
  }
  let extra: TrainOptions;
  try {
    extra = JSON.parse(json) as TrainOptions;
  } catch (err) {
    process.stderr.write(`the options are not valid JSON: ${(err as Error).message}\n`);
    return 2;
  }
  const options: TrainOptions = {
    ...UNIVERSAL_OPTIONS,
    ...extra,
    featurizer: { ...UNIVERSAL_OPTIONS.featurizer, ...extra.featurizer },
  };
  const started = Date.now();
  process.stderr.write(`training the recipe + ${json} on ${DATA} (leave-one-repo-out selection; minutes)\n`);
  const bar = createProgress({ label: 'training' });
  const model = trainModel(readJsonl(DATA), { ...options, onProgress: (done, total) => bar.update(done, total) });
  bar.stop();
  // The committed model's created_at and seed, as `npm run train:universal` writes them: '{}' rebuilds its bytes.
  const createdAt = resolveCreatedAt({ SOURCE_DATE_EPOCH: UNIVERSAL_SOURCE_DATE_EPOCH });
  const card = writeModelDir(out, model, { name: 'universal', createdAt, seed: options.seed ?? 1 });
  const training = card.training as { loss?: string; lambda?: number } | undefined;
  const result = {
    out,
    options: extra,
    loss: training?.loss,
    lambda: training?.lambda,
    thresholds: card.thresholds,
    unseenRepos: card.metrics.unseenRepos,
    seconds: (Date.now() - started) / 1000,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

process.exitCode = main();
