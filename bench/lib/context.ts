/** What every part receives from the runner. */
import type { BenchData } from './data';
import type { TrainedDir } from './model';

export interface BenchContext {
  quick: boolean;
  data: BenchData;
  /** The model the inference, Lambda and worker parts load: trained by the runner on `data.rows`. */
  model: TrainedDir & { name: string };
  /** Progress to stderr (stdout is reserved for --json). */
  log(message: string): void;
}
