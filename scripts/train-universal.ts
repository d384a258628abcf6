/**
 * Rebuilds the committed universal model bit for bit: `npm run train:universal`.
 *
 * Same data + same code ⇒ same bytes: training is deterministic, and created_at comes from
 * SOURCE_DATE_EPOCH, pinned below to the NLBSE'24 training-data snapshot used (override by exporting
 * SOURCE_DATE_EPOCH yourself). Options are fixed in scripts/universal-options.ts (the recipe of src/ml/universal.ts,
 * UNIVERSAL_TRAIN_OPTIONS), not taken from the command line, so the command that rebuilds the model cannot drift
 * from the one that built it, nor from `label-bot eval --cv-by repo`, which measures that recipe.
 */
import { readJsonl } from '../src/ml/dataset';
import { resolveCreatedAt, writeModelDir } from '../src/ml/model-io';
import { trainModel } from '../src/ml/train';
import { createProgress } from '../src/ops/progress';
import { UNIVERSAL_OPTIONS, UNIVERSAL_SOURCE_DATE_EPOCH } from './universal-options';

const data = process.argv[2] ?? '../shared/data/nlbse24-train.jsonl';
const out = process.argv[3] ?? 'models/universal';
const env = { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? UNIVERSAL_SOURCE_DATE_EPOCH };
const started = Date.now();
const bar = createProgress({ label: 'training' });
const model = trainModel(readJsonl(data), {
  ...UNIVERSAL_OPTIONS,
  onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  onProgress: (done, total) => bar.update(done, total),
});
bar.stop();
const card = writeModelDir(out, model, {
  name: 'universal',
  createdAt: resolveCreatedAt(env),
  seed: UNIVERSAL_OPTIONS.seed ?? 1,
});
process.stderr.write(
  `${out}: labels ${card.labels.join(', ')}; held-out macro-F1 ${card.metrics.heldOut.macroF1.toFixed(4)}; thresholds ${card.thresholds
    .map((t) => (t === null ? 'never' : t.toFixed(3)))
    .join(', ')}${
    card.metrics.unseenRepos
      ? `; unseen repos: mean macro-F1 ${card.metrics.unseenRepos.meanMacroF1.toFixed(4)}, precision ${card.metrics.unseenRepos.precision.toFixed(3)} at coverage ${card.metrics.unseenRepos.coverage.toFixed(3)}`
      : ''
  }; onnx sha256 ${card.onnx.sha256.slice(0, 12)}; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
