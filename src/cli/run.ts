import type { Command } from 'commander';

/** Runs the program; a thrown error becomes one `label-bot: <message>` line on stderr and exit code 1. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`label-bot: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
