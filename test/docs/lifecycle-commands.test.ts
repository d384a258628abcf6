/**
 * docs/ops/lifecycle.md quotes only real commands: every `label-bot <command> [--flag …]` in it names a command the
 * CLI registers (src/cli/main.ts, read for the `import('./commands/*')` of its COMMANDS table) and options that command has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

async function program(): Promise<Command> {
  const main = readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8');
  const program = new Command('label-bot');
  for (const m of main.matchAll(/import\('\.\/commands\/([\w-]+)'\)/g)) {
    const mod = (await import(`../../src/cli/commands/${m[1]}.ts`)) as { register: (p: Command) => void };
    mod.register(program);
  }
  return program;
}

/** Every `label-bot …` invocation in code blocks and code spans, as words, env prefixes and comments dropped. */
function documented(md: string): string[][] {
  const code = [...md.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]!);
  const lines = code.flatMap((c) => c.split('\n')).map((l) => l.replace(/\s+#.*$/, ''));
  return lines
    .map((l) => /(?:^|\s)(?:npx )?label-bot ([a-z].*)$/.exec(l)?.[1])
    .filter((rest): rest is string => rest !== undefined)
    .map((rest) => rest.trim().split(/\s+/));
}

describe('docs/ops/lifecycle.md', () => {
  const md = readFileSync(join(ROOT, 'docs/ops/lifecycle.md'), 'utf8');
  const invocations = documented(md);

  it('quotes the lifecycle commands', () => {
    const names = new Set(invocations.map((w) => w[0]));
    for (const c of ['onboard', 'check-config', 'report', 'retrain', 'models', 'rollback']) expect(names).toContain(c);
  });

  it('every command and option it quotes exists in the CLI', async () => {
    const cli = await program();
    const problems: string[] = [];
    for (const words of invocations) {
      let cmd = cli.commands.find((c) => c.name() === words[0]);
      if (!cmd) {
        problems.push(`unknown command: label-bot ${words.join(' ')}`);
        continue;
      }
      const sub = cmd.commands.find((c) => c.name() === words[1]);
      if (cmd.commands.length > 0 && !sub) problems.push(`unknown subcommand: label-bot ${words.join(' ')}`);
      cmd = sub ?? cmd;
      for (const flag of words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]!)) {
        if (flag === '--help') continue;
        if (!cmd.options.some((o) => o.long === flag)) problems.push(`label-bot ${words.join(' ')}: no option ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
