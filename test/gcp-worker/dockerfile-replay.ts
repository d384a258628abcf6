/**
 * Replays a Dockerfile without Docker, for test/gcp-worker/image-layout.test.ts: every stage becomes a folder
 * (`<out>/<stage>/` stands for the stage's `/`), and its instructions run in order with the paths mapped — COPY copies
 * from the build context (checked against the Dockerfile's .dockerignore allowlist) or from an earlier stage's
 * folder, WORKDIR and ENV apply, and RUN executes the Dockerfile's own shell commands through `replayRun`, which knows
 * each command this Dockerfile uses and refuses any other. So a step added to, changed in or dropped from the
 * Dockerfile changes what the test assembles, or fails it with the step named: the test cannot drift from the image.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Instructions by stage: comment lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue; // Docker drops comment lines inside a continuation too
      logical = `${logical.slice(0, -1)} ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(logical);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${logical}"`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?: AS (\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile line ${start + 1}: cannot parse FROM ${args}`);
      stages.push({ name: f[2] ?? `stage-${stages.length}`, from: f[1]!, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${op} before FROM`);
      stage.instructions.push({ op, args, line: start + 1 });
    }
  }
  return stages;
}

/** The state of one replayed stage. */
export interface StageState {
  name: string;
  /** The folder standing for the stage's `/`. */
  root: string;
  /** The WORKDIR, as the image sees it (`/app`). */
  workdir: string;
  /** ENV as the image sees it. */
  env: Record<string, string>;
  cmd: string[] | undefined;
  user: string | undefined;
  /** Symlinks into the build context (`link-node-modules`): unlinked before the replay's folder is deleted. */
  links: string[];
}

/** Where an image path of `stage` lives on this machine. */
export function hostPath(stage: StageState, imagePath: string): string {
  return join(stage.root, posix.resolve(stage.workdir, imagePath));
}

/** How one `&&`-separated command of a RUN line runs here. */
export type RunStep =
  | { kind: 'shell'; command: string; why?: string }
  | { kind: 'link-node-modules'; why: string }
  | { kind: 'skip'; why: string };

export interface ReplayOptions {
  dockerfile: string;
  /** The build context (skaffold's `context: ..` = the repository root). */
  context: string;
  out: string;
  /** Maps each command of a RUN line to what runs here; throw for a command the test does not know. */
  replayRun: (command: string, stage: StageState) => RunStep;
  /** Environment for RUN commands besides the stage's ENV (PATH, npm's cache and registry …). */
  hostEnv: NodeJS.ProcessEnv;
  /** One line per step taken (for the test's log). */
  log?: (line: string) => void;
}

/** A RUN command that failed. `output` is its stdout and stderr. */
export class RunFailed extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`RUN step failed: ${command}\n${output.slice(-4000)}`);
  }
}

/** Patterns the .dockerignore lets through (`!path`, `!path/**`); everything else is excluded (`**` first). */
function dockerignoreAllows(context: string, dockerfile: string): (src: string) => boolean {
  const ignoreFile = `${dockerfile}.dockerignore`;
  const file = existsSync(ignoreFile) ? ignoreFile : join(context, '.dockerignore');
  if (!existsSync(file)) return () => true;
  const rules = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (rules[0] !== '**') throw new Error(`${file}: expected an allowlist starting with "**"`);
  const allowed = rules.slice(1).map((r) => {
    if (!r.startsWith('!')) throw new Error(`${file}: only "!path" rules after "**" are understood, got ${r}`);
    return r.slice(1).replace(/\/\*\*$/, '');
  });
  return (src) => allowed.includes(src.replace(/\/$/, ''));
}

function copyInto(src: string, dest: string, destIsDir: boolean, move: boolean): void {
  const isDir = statSync(src).isDirectory();
  const target = destIsDir && !isDir ? join(dest, basename(src)) : dest;
  mkdirSync(dirname(target), { recursive: true });
  if (isDir && existsSync(target)) throw new Error(`COPY onto an existing folder is not replayed: ${target}`);
  // A folder from an earlier stage is moved, not copied: same result, and the stage folders are scratch.
  if (move) renameSync(src, target);
  else cpSync(src, target, { recursive: true });
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new RunFailed(command, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`);
}

/** Replays every stage; returns them by name (the last one is the image). */
export function replayDockerfile(opts: ReplayOptions): StageState[] {
  const allows = dockerignoreAllows(opts.context, opts.dockerfile);
  const done: StageState[] = [];
  const log = opts.log ?? (() => {});
  for (const stage of parseDockerfile(readFileSync(opts.dockerfile, 'utf8'))) {
    const s: StageState = {
      name: stage.name,
      root: join(opts.out, stage.name),
      workdir: '/',
      env: {},
      cmd: undefined,
      user: undefined,
      links: [],
    };
    mkdirSync(s.root, { recursive: true });
    for (const ins of stage.instructions) {
      const where = `Dockerfile line ${ins.line} (${stage.name}): ${ins.op} ${ins.args}`;
      switch (ins.op) {
        case 'WORKDIR':
          s.workdir = posix.resolve(s.workdir, ins.args);
          mkdirSync(hostPath(s, '.'), { recursive: true });
          break;
        case 'ENV':
          for (const pair of ins.args.split(' ')) {
            const m = /^([A-Za-z_]\w*)=([^"'\s]*)$/.exec(pair);
            if (!m) throw new Error(`${where}: only unquoted KEY=value pairs are replayed`);
            s.env[m[1]!] = m[2]!;
          }
          break;
        case 'COPY': {
          const words = ins.args.split(' ');
          let from: StageState | undefined;
          while (words[0]?.startsWith('--')) {
            const flag = words.shift()!;
            if (flag.startsWith('--from=')) {
              from = done.find((d) => d.name === flag.slice('--from='.length));
              if (!from) throw new Error(`${where}: no earlier stage ${flag}`);
            } else if (!flag.startsWith('--chown=')) throw new Error(`${where}: flag ${flag} is not replayed`);
          }
          const dest = words.pop()!;
          if (words.length === 0 || words.some((w) => w.startsWith('['))) throw new Error(`${where}: not replayed`);
          const destIsDir = words.length > 1 || dest.endsWith('/');
          for (const src of words) {
            let source: string;
            if (from) source = join(from.root, posix.resolve('/', src));
            else {
              if (!allows(src)) throw new Error(`${where}: ${src} is excluded by the .dockerignore`);
              source = join(opts.context, src);
            }
            if (!existsSync(source)) throw new Error(`${where}: ${src} does not exist`);
            copyInto(source, hostPath(s, dest), destIsDir, from !== undefined);
          }
          log(`${stage.name}: COPY ${ins.args}`);
          break;
        }
        case 'RUN':
          for (const command of ins.args.split(' && ')) {
            const step = opts.replayRun(command.trim(), s);
            const cwd = hostPath(s, '.');
            if (step.kind === 'shell') run(step.command, cwd, { ...opts.hostEnv, ...s.env });
            else if (step.kind === 'link-node-modules') {
              symlinkSync(join(opts.context, 'node_modules'), join(cwd, 'node_modules'));
              s.links.push(join(cwd, 'node_modules'));
            }
            log(
              `${stage.name}: RUN ${command.trim()} → ${step.kind === 'shell' ? step.command : step.kind}${'why' in step && step.why ? ` (${step.why})` : ''}`,
            );
          }
          break;
        case 'CMD':
          s.cmd = JSON.parse(ins.args) as string[];
          break;
        case 'USER':
          s.user = ins.args;
          break;
        case 'EXPOSE':
          break;
        default:
          throw new Error(
            `${where}: instruction ${ins.op} is not replayed; teach test/gcp-worker/dockerfile-replay.ts`,
          );
      }
    }
    done.push(s);
  }
  return done;
}

/** Deletes a replay's folder, unlinking the links into the build context first (never deleting through them). */
export async function removeReplay(out: string, stages: StageState[]): Promise<void> {
  for (const link of stages.flatMap((s) => s.links)) if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
  await rm(out, { recursive: true, force: true });
}

/** The image's ENV with absolute paths mapped into the replayed stage (`/app/models/universal` → `<root>/app/…`). */
export function mappedEnv(stage: StageState): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stage.env).map(([k, v]) => [k, v.startsWith('/') ? join(stage.root, v) : v]),
  );
}
