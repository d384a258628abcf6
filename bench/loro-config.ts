/**
 * Command line of bench/loro.ts: the candidate configuration (JSON) and where data and results live.
 */
import type { TrainOptions } from '../src/ml/train-options';

export interface Config {
  name: string;
  featurizer?: TrainOptions['featurizer'];
  /** Train-only: remove lines recurring in ≥ this share of a training repo's issues (0/absent = off). */
  recurring?: number;
  /** Train-only: apply the static boilerplate strip to training bodies only (serving sees raw bodies). */
  trainStatic?: boolean;
  /** Title-only copies of each training row, with this loss weight (0/absent = none). */
  titleOnly?: number;
  /** Cleaned copies (recurring-line strip) of each training row, with this weight, originals kept raw. */
  cleanedCopy?: number;
  scales?: number[];
  losses?: ('sqhinge' | 'logistic')[];
  lambdas?: number[];
  /** Precision targets for the thresholds. */
  targets?: number[];
  /** Only features present in ≥ this many training repos get weights (0/absent = all). */
  minRepos?: number;
  /** Fit without intercepts. */
  noBias?: boolean;
}

export function loroArgs(args: readonly string[]) {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const cfg: Config = JSON.parse(flag('--config') ?? '{"name":"baseline"}');
  const dataFile = flag('--data') ?? '../shared/data/nlbse24-train.jsonl';
  const outFile = flag('--out') ?? 'bench/results/loro.jsonl';
  const nested = !args.includes('--no-nested');
  return { cfg, dataFile, outFile, nested };
}
