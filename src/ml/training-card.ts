/**
 * The human-readable model card `label-bot train` writes beside model.onnx and model.json (`MODEL_CARD.md`): what
 * the model is for, where its data came from, when and how it was trained, and how well it did on held-out folds.
 * model.json stays the machine contract; this file is for the person deciding whether to publish the model.
 */
import type { ModelCard } from './model-format';

export interface TrainingProvenance {
  /** The data file as given on the command line. */
  dataFile: string;
  /** sha256 of the data file's bytes. */
  fileSha256: string;
  /** Rows per repo in the data ('' = rows without a repo). */
  repos: Record<string, number>;
  /** The command line that trained the model, without the program name. */
  command: string;
}

const f3 = (x: number): string => x.toFixed(3);

/** `extra`: further sections in Markdown, appended as given (e.g. `retrain`'s decision, which the trainer knows nothing of). */
export function trainingCardMarkdown(card: ModelCard, p: TrainingProvenance, extra: readonly string[] = []): string {
  const repos = Object.keys(p.repos)
    .filter((r) => r !== '')
    .sort();
  const scope =
    card.training.domain ??
    (repos.length === 1
      ? repos[0]!
      : repos.length > 1
        ? `${repos.length} repos (${repos.join(', ')})`
        : 'the repos of its data');
  const chosen = card.metrics.decision === 'thresholds' ? card.metrics.withThresholds : card.metrics.heldOut;
  const dropped = Object.entries(card.training.droppedLabels);
  const md = [
    `# Model card: ${card.name}`,
    '',
    '## Intended use',
    '',
    `Suggests ${card.kind === 'single' ? 'one label' : 'labels'} from {${card.labels.join(', ')}} for new GitHub issues of ${scope}, from their title and body, ` +
      'through label-bot (the Lambda or the GKE worker). It knows only these labels and the vocabulary of its training issues: ' +
      "for another repo, retrain on that repo's issues or check it first with `label-bot eval --model`. Pull requests are not in its data.",
    '',
    '## Training data',
    '',
    `- File: \`${p.dataFile}\` (sha256 of the file \`${p.fileSha256}\`)`,
    `- Rows used: ${card.training.rows} (sha256 of the canonical rows \`${card.training.dataHash}\`, the \`training.dataHash\` of model.json)`,
    `- Repos: ${Object.entries(p.repos)
      .sort()
      .map(([r, n]) => `${r || '(no repo)'} ${n}`)
      .join(', ')}`,
    `- Labels dropped (too few examples): ${dropped.length ? dropped.map(([l, n]) => `${l} ×${n}`).join(', ') : 'none'}`,
    // What the model has seen: issues created after this are new to it (`label-bot retrain` fetches from here).
    `- Training cut-off (newest issue trained on, \`training.cutoff\`): ${card.training.cutoff ?? 'unknown (the data has no created_at)'}`,
    '',
    '## Training',
    '',
    `- Date: ${card.createdAt}; trainer ${card.trainerVersion}; featurizer ${card.featurizer.version} (dim ${card.featurizer.dim})`,
    `- Loss ${card.training.loss}, λ ${card.training.lambda}, class weight ${card.training.classWeight ?? 'none'}, seed ${card.training.seed}`,
    `- Command: \`label-bot ${p.command}\``,
    '',
    `## Held-out quality (${card.metrics.folds}-fold internal CV, decision: ${card.metrics.decision})`,
    '',
    `Macro-F1 **${f3(chosen.macroF1)}**, accuracy ${f3(chosen.accuracy)}, ${chosen.n} rows.`,
    '',
    '| label | precision | recall | F1 | support | threshold |',
    '|---|---|---|---|---|---|',
    ...card.labels.map((l, i) => {
      const m = chosen.perLabel[l];
      const t = card.thresholds[i];
      return `| ${l} | ${m ? `${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.f1)} | ${m.support}` : '– | – | – | –'} | ${t === null || t === undefined ? 'never' : f3(t)} |`;
    }),
    '',
    card.neverPredicted.length
      ? `Never predicted (no threshold reaches the precision target): ${card.neverPredicted.join(', ')}.`
      : 'Every label can be predicted.',
    '',
    ...extra.flatMap((section) => [section.trimEnd(), '']),
  ];
  return md.join('\n');
}
