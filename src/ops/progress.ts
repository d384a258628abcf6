/**
 * The one progress reporter of the CLI (train, eval, backfill, report), on stderr so stdout stays clean for tables
 * and `--json`. On a terminal: a live bar with ETA. Anywhere else (CI logs, files, pipes): a plain line every `every`
 * items (about every 10 %) or every `everyMs` (5 s), whichever comes first, and a last one on stop, so a long run
 * is never silent and its log stays readable and greppable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** One more item done; `note` is a short status (e.g. the counts so far). */
  tick(note?: string): void;
  /** Sets the position; `total` may grow while the work is discovered (training counts folds as it plans them). */
  update(done: number, total?: number, note?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Known up front, or given later through update(). */
  total?: number;
  /** Items already done before this run (a resumed backfill). */
  start?: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Off a TTY: a line every N items. Default: about every 10 %, at least every 50. */
  every?: number;
  /** Off a TTY: a line at least this often while items complete. Default 5 s. */
  everyMs?: number;
  now?: () => number;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  return stream.isTTY ? terminalBar(opts, stream as NodeJS.WriteStream) : plainLines(opts, stream);
}

function terminalBar(opts: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${opts.label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {note}`,
      stream,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = opts.start ?? 0;
  let total = opts.total;
  let started = false;
  let counting = false;
  const show = (note: string): void => {
    if (total === undefined) {
      // No total to draw a bar or an ETA against (a download of unknown size): a count rewritten in place.
      if (done === (opts.start ?? 0) && !note) return;
      stream.write(`\r${opts.label}: ${done}${note ? ` ${note}` : ''}\u001b[K`);
      counting = true;
      return;
    }
    if (counting) {
      stream.write('\n');
      counting = false;
    }
    if (!started) {
      bar.start(total, done, { note });
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(done, { note });
    }
  };
  show('');
  return {
    tick(note = '') {
      done++;
      show(note);
    },
    update(d, t, note = '') {
      done = d;
      if (t !== undefined) total = t;
      show(note);
    },
    stop() {
      if (started) bar.stop();
      if (counting) stream.write('\n');
    },
  };
}

function plainLines(opts: ProgressOptions, stream: NodeJS.WritableStream): Progress {
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? 5_000;
  let done = opts.start ?? 0;
  let total = opts.total;
  let note = '';
  let lastPrinted = done;
  let lastPrintedAt = now();
  const every = (): number => opts.every ?? Math.max(1, Math.min(50, Math.ceil((total ?? 0) / 10)));
  const line = (): void => {
    const of = total === undefined ? '' : `/${total} (${total === 0 ? 100 : Math.floor((done / total) * 100)}%)`;
    stream.write(`${opts.label}: ${done}${of}${note ? ` ${note}` : ''}\n`);
    lastPrinted = done;
    lastPrintedAt = now();
  };
  const maybeLine = (): void => {
    if (done === lastPrinted) return;
    if (done - lastPrinted >= every() || done === total || now() - lastPrintedAt >= everyMs) line();
  };
  return {
    tick(n = '') {
      done++;
      note = n;
      maybeLine();
    },
    update(d, t, n = '') {
      done = d;
      if (t !== undefined) total = t;
      note = n;
      maybeLine();
    },
    stop() {
      if (lastPrinted !== done) line();
    },
  };
}
