/** Option parsers and the training options shared by `train` and `eval`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { TrainOptions } from '../ml/train';

export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
    return n;
  };
}

export function numberList(v: string): number[] {
  const list = v.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.some((x) => !(x > 0)))
    throw new InvalidArgumentError('must be a comma-separated list of positive numbers');
  return list;
}

export function addTrainOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'seed for fold assignment', int('--seed'), 1)
    .option('--dim <n>', 'hash space size (power of two)', int('--dim'))
    .option('--lambdas <list>', 'L2 strengths tried by internal CV, e.g. 1e-3,3e-4,1e-4', numberList)
    .option('--inner-folds <n>', 'internal CV folds for λ, title weight and thresholds', int('--inner-folds'), 3)
    .option('--min-examples <n>', 'drop labels with fewer training examples', int('--min-examples'), 5)
    .option(
      '--loss <loss>',
      'auto (default: internal CV picks), sqhinge (L2-SVM) or logistic (softmax / one-vs-rest logistic regression)',
      (v: string) => {
        if (v !== 'sqhinge' && v !== 'logistic' && v !== 'auto')
          throw new InvalidArgumentError('must be auto, sqhinge or logistic');
        return v;
      },
    )
    .option(
      '--class-weight <w>',
      'single-label sets: balanced (default; rare labels weigh as much as frequent ones) or none',
      (v: string) => {
        if (v !== 'balanced' && v !== 'none') throw new InvalidArgumentError('must be balanced or none');
        return v;
      },
    )
    .option(
      '--domain-weight <x>',
      'per-repo mode: weight of repo-specific feature copies when repos are pooled (0 = train each repo alone)',
      Number,
    );
}

export interface TrainFlags {
  seed: number;
  dim?: number;
  lambdas?: number[];
  innerFolds: number;
  minExamples: number;
  domainWeight?: number;
  loss?: 'sqhinge' | 'logistic' | 'auto';
  classWeight?: 'balanced' | 'none';
}

export function trainOptionsFrom(
  flags: TrainFlags,
  onWarning: (m: string) => void,
  onProgress?: (d: number, t: number) => void,
): TrainOptions {
  return {
    seed: flags.seed,
    folds: flags.innerFolds,
    minExamples: flags.minExamples,
    onWarning,
    ...(onProgress ? { onProgress } : {}),
    ...(flags.dim !== undefined ? { featurizer: { dim: flags.dim } } : {}),
    ...(flags.lambdas ? { lambdas: flags.lambdas } : {}),
    ...(flags.domainWeight !== undefined ? { domainWeight: flags.domainWeight } : {}),
    ...(flags.loss ? { loss: flags.loss } : {}),
    ...(flags.classWeight ? { classWeight: flags.classWeight } : {}),
  };
}
