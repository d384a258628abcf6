/** A warning for the person at the terminal, on stderr so `--json` output on stdout stays one object. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
