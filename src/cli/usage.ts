/**
 * How the CLI reacts to a mistyped command line: `--version`, a short error (the problem, a did-you-mean, and where
 * the help is) instead of the full help, and an unknown option reported before a required one it probably meant
 * (`--dat x` says "unknown option '--dat' (Did you mean --data?)", not "required option '--data' not specified").
 */
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { packagePath } from '../package-root';

/** The package's version, from its package.json (not from the current directory). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander checks required options before unknown ones. The required ones are checked here instead, in a
 * preAction hook, which runs after commander has rejected unknown options (with its did-you-mean).
 */
function deferRequiredOptions(program: Command): void {
  const required = new Map<Command, Option[]>();
  const visit = (cmd: Command): void => {
    const opts = cmd.options.filter((o) => o.mandatory);
    for (const o of opts) o.makeOptionMandatory(false);
    if (opts.length > 0) required.set(cmd, opts);
    cmd.commands.forEach(visit);
  };
  visit(program);
  program.hook('preAction', (_program, action) => {
    for (const o of required.get(action) ?? []) {
      if (action.getOptionValue(o.attributeName()) === undefined) {
        action.error(`error: required option '${o.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
      }
    }
  });
}

/** Call after every command is registered. */
export function configureUsage(program: Command): void {
  program.version(packageVersion(), '-V, --version', 'print the version');
  deferRequiredOptions(program);
  const shortErrors = (cmd: Command): void => {
    cmd.showHelpAfterError(`(see '${commandPath(cmd)} --help')`);
    cmd.commands.forEach(shortErrors);
  };
  shortErrors(program);
}
