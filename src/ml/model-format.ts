/**
 * model.json: everything needed to use model.onnx correctly (labels in output order, thresholds, the
 * featurizer settings it was trained with) plus its provenance (metrics, data hash, versions, created_at).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FEATURIZER_VERSION, SUPPORTED_FEATURIZER_VERSIONS, usesVersion3Fields } from './featurizer-settings';
import { MODEL_FORMAT_VERSION } from './versions';

const labelMetrics = z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() });
const metrics = z.object({
  macroF1: z.number(),
  accuracy: z.number(),
  n: z.number(),
  perLabel: z.record(z.string(), labelMetrics),
  unknownLabels: z.record(z.string(), z.number()).optional(),
});

export const featurizerSettingsSchema = z.object({
  version: z.number().int(),
  dim: z.number().int().positive(),
  maxTitleChars: z.number().int().positive(),
  maxBodyChars: z.number().int().nonnegative(),
  charMin: z.number().int().positive(),
  charMax: z.number().int().positive(),
  maxBodyCharNgramChars: z.number().int().nonnegative(),
  maxWordCharsForNgrams: z.number().int().positive(),
  titleInBody: z.boolean(),
  weights: z.object({
    titleWords: z.number(),
    titleChars: z.number(),
    bodyWords: z.number(),
    bodyChars: z.number(),
    headings: z.number(),
    meta: z.number(),
    code: z.number(),
  }),
  // Featurizer version 3; absent in version-2 models (= off / on, their behaviour then).
  stripTemplate: z.boolean().optional(),
  templateMeta: z.boolean().optional(),
  normalizeBody: z.boolean().optional(),
  maxBodyTextChars: z.number().int().nonnegative().optional(),
  cueMeta: z.boolean().optional(),
  titleFromBody: z.boolean().optional(),
  dropCourtesy: z.boolean().optional(),
});

export const modelJsonSchema = z
  .object({
    formatVersion: z.literal(MODEL_FORMAT_VERSION),
    name: z.string().min(1),
    kind: z.enum(['single', 'multi']),
    labels: z.array(z.string().min(1)).min(1),
    /** Per label, aligned with `labels`: score ≥ threshold predicts it; null = never predicted. */
    thresholds: z.array(z.number().min(0).max(1).nullable()),
    featurizer: featurizerSettingsSchema,
    onnx: z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      inputs: z.tuple([z.literal('indices'), z.literal('values')]),
      output: z.literal('scores'),
    }),
    metrics: z.object({
      source: z.literal('internal-cv'),
      folds: z.number().int(),
      decision: z.enum(['argmax', 'thresholds']),
      heldOut: metrics,
      withThresholds: metrics,
      // Leave-one-repo-out models (TrainOptions.cvBy 'repo'): `folds` are repos, and this records how the thresholds
      // behave on unseen repos (each repo's thresholds chosen from the other repos' out-of-fold scores).
      cvBy: z.enum(['stratified', 'repo']).optional(),
      unseenRepos: z
        .object({
          precisionTarget: z.number(),
          meanMacroF1: z.number(),
          precision: z.number(),
          coverage: z.number(),
          perRepo: z.record(
            z.string(),
            z.object({ n: z.number(), macroF1: z.number(), precision: z.number(), coverage: z.number() }),
          ),
          titleOnlyMeanMacroF1: z.number().optional(),
        })
        .optional(),
    }),
    training: z.object({
      rows: z.number().int().nonnegative(),
      dataHash: z.string().regex(/^[0-9a-f]{64}$/),
      lambda: z.number().positive(),
      loss: z.enum(['sqhinge', 'logistic']),
      // Optional: models written before trainer 1.1.0 do not record it (they were unweighted).
      classWeight: z.enum(['balanced', 'none']).optional(),
      seed: z.number().int(),
      droppedLabels: z.record(z.string(), z.number()),
      domain: z.string().optional(),
      pooledRepos: z.array(z.string()).optional(),
      titleOnlyWeight: z.number().optional(),
      nbAlpha: z.number().optional(),
      intercept: z.boolean().optional(),
      // Newest created_at among the training rows (ISO). Absent when the data had no dates, and in models written
      // before it was recorded: those still load, and `retrain` then treats every issue as new to the model.
      cutoff: z.string().optional(),
    }),
    neverPredicted: z.array(z.string()),
    createdAt: z.string(),
    trainerVersion: z.string(),
  })
  .superRefine((m, ctx) => {
    if (m.thresholds.length !== m.labels.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds'],
        message: `has ${m.thresholds.length} entries for ${m.labels.length} labels`,
      });
    }
    if (new Set(m.labels).size !== m.labels.length)
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'labels must be unique' });
    if (!SUPPORTED_FEATURIZER_VERSIONS.includes(m.featurizer.version)) {
      ctx.addIssue({
        code: 'custom',
        path: ['featurizer', 'version'],
        message: `model was trained with featurizer version ${m.featurizer.version}, this build has ${FEATURIZER_VERSION} (and reads ${SUPPORTED_FEATURIZER_VERSIONS.join(', ')}): retrain the model`,
      });
    } else if (m.featurizer.version < 3 && usesVersion3Fields(m.featurizer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['featurizer'],
        message: `stripTemplate/templateMeta need featurizer version 3, not ${m.featurizer.version}`,
      });
    }
    if ((m.featurizer.dim & (m.featurizer.dim - 1)) !== 0)
      ctx.addIssue({ code: 'custom', path: ['featurizer', 'dim'], message: 'must be a power of two' });
  });

export type ModelCard = z.infer<typeof modelJsonSchema>;

export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelFileError';
  }
}

/** Validates parsed model.json; the error names `file` and every problem with its path. */
export function parseModelJson(value: unknown, file: string): ModelCard {
  const r = modelJsonSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    let hint = '';
    if (
      typeof value === 'object' &&
      value !== null &&
      'formatVersion' in value &&
      (value as { formatVersion: unknown }).formatVersion !== MODEL_FORMAT_VERSION
    ) {
      hint = ` (this build reads formatVersion ${MODEL_FORMAT_VERSION})`;
    }
    throw new ModelFileError(file, `invalid model.json${hint}: ${problems}`);
  }
  return r.data;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `<name>@<first 12 hex of sha256(model.onnx)>`: changes whenever the weights change. */
export function modelVersion(name: string, onnxSha256: string): string {
  return `${name}@${onnxSha256.slice(0, 12)}`;
}
