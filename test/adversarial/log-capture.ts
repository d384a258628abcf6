/**
 * Captures every log line the code under test writes. Each adversarial test file installs it with
 *   vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));
 * so every `createLogger()` (app, lambda, probot, labeler, worker, registry, helpers) keeps its production options
 * (level handling, redaction) but writes to memory instead of fd 1, at the most verbose level. Writes to
 * process.stdout / process.stderr (console, stray prints) are teed in too, and child-process output is added by
 * the tests that spawn one. `afterAll` then scans everything for the test secrets and for private issue text.
 */
import type { DestinationStream } from 'pino';
import type { Figures } from './figures';

export const captured: string[] = [];

const sink: DestinationStream = {
  write(chunk: string) {
    captured.push(chunk);
  },
};

let teed = false;
function teeStdio(): void {
  if (teed) return;
  teed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return original(chunk, ...rest);
    }) as typeof stream.write;
  }
}

interface LoggerModule {
  createLogger: (name: string, destination?: DestinationStream) => unknown;
}

export function captureLoggerModule<M extends LoggerModule>(original: M): M {
  // Most verbose level: a secret that only leaks at debug would still leak in someone's debugging session.
  process.env.LOG_LEVEL = 'trace';
  teeStdio();
  return {
    ...original,
    createLogger: (name: string, destination?: DestinationStream) => original.createLogger(name, destination ?? sink),
  };
}

export function addCaptured(text: string): void {
  captured.push(text);
}

/** Log lines (split on newlines) that contain any of `needles`; empty needles are ignored. */
export function findLeaks(needles: readonly string[]): { needle: string; line: string }[] {
  const wanted = needles.filter((n) => n.length >= 8);
  const hits: { needle: string; line: string }[] = [];
  for (const chunk of captured) {
    for (const line of chunk.split('\n')) {
      for (const needle of wanted) if (line.includes(needle)) hits.push({ needle, line: line.slice(0, 300) });
    }
  }
  return hits;
}

export function capturedLineCount(): number {
  return captured.reduce((n, c) => n + c.split('\n').filter((l) => l.trim()).length, 0);
}

/** The parts of a PEM private key worth searching for: its header and each base64 line. */
export function pemNeedles(pem: string): string[] {
  return pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

/**
 * Scans every captured log line for the needles, records the scan in the suite's figures (line count rounded down to
 * 100, the one count that moves with timing, so the committed table stays stable) and flushes them. Returns the leaks
 * for the caller to assert on.
 */
export function scanLogsIntoFigures(figures: Figures, needles: readonly string[]): { needle: string; line: string }[] {
  const leaks = findLeaks(needles);
  figures.add('log_lines_scanned', Math.floor(capturedLineCount() / 100) * 100);
  figures.add('leaks', leaks.length);
  figures.flush();
  return leaks;
}
