/**
 * Progress for long CLI runs: a live bar on a terminal, and on anything else (CI logs, files, pipes)
 * one plain line every `every` items and at the end, so logs stay readable and greppable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Marks one more item done; `note` is a short status (e.g. the counts so far). */
  tick(note?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Items already done before this run (a resumed backfill). */
  start?: number;
  label: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print a line every N items when not on a TTY. Default: about every 10 %, at least every 50. */
  every?: number;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  let done = opts.start ?? 0;
  const total = opts.total;

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {note}`,
        stream: stream as NodeJS.WriteStream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, done, { note: '' });
    return {
      tick(note = '') {
        done++;
        bar.update(done, { note });
      },
      stop() {
        bar.stop();
      },
    };
  }

  const every = opts.every ?? Math.max(1, Math.min(50, Math.ceil(total / 10)));
  let lastNote = '';
  let lastPrinted = done;
  const line = () => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    stream.write(`${opts.label}: ${done}/${total} (${pct}%)${lastNote ? ` ${lastNote}` : ''}\n`);
    lastPrinted = done;
  };
  return {
    tick(note = '') {
      done++;
      lastNote = note;
      if (done % every === 0 || done === total) line();
    },
    stop() {
      if (lastPrinted !== done) line();
    },
  };
}
