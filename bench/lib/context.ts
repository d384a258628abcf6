/** What every part receives from the runner. */
import type { BenchData } from './data';
import type { BenchModel } from './model';

export interface BenchContext {
  quick: boolean;
  /** Delay the GitHub stand-in adds to every answer (--github-latency-ms). */
  githubLatencyMs: number;
  data: BenchData;
  /** The model the inference, Lambda and worker parts load, trained on `data.rows` (made on first use). */
  model(): Promise<BenchModel>;
  /** Progress to stderr (stdout is reserved for --json). */
  log(message: string): void;
}
