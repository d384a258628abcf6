/**
 * The `label-bot` commands the docs quote, for test/docs/commands.test.ts.
 *
 * Where they are looked for (and nowhere else):
 * - README.md, config-issue.md and every docs/**\/*.md;
 * - fenced blocks tagged sh, bash, shell or console, or untagged (docs/ops.md shows `$ label-bot …` sessions in
 *   untagged blocks): every line that, after an optional `$ ` prompt and `NAME=value` assignments, starts with
 *   `label-bot`, `npx label-bot` or `npx --no-install label-bot`; a trailing `\` joins the next line, and a ` # …`
 *   comment is dropped; a synopsis (`label-bot report owner/repo [--since DATE]`) takes its indented `[…` lines along;
 * - inline code spans (on one line) that start with `npx label-bot` or `npx --no-install label-bot`: the form a reader
 *   pastes. Bare inline `label-bot …` spans are prose references and synopses (`label-bot models list`,
 *   `label-bot rollback <scope> --to <version>`) and are not collected.
 * Bare inline spans that name options (`label-bot eval --train F --split time [--test-share X]`) are collected
 * apart, by `inlineOptionMentions`: their options are checked, not run.
 * A command is keyed by its text with the `npx …` prefix replaced by `label-bot`, spaces collapsed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface QuotedCommand {
  /** e.g. `GITHUB_TOKEN=… label-bot check-config acme/ops#1` */
  key: string;
  /** `docs/ops.md:228` */
  where: string;
}

const SHELL_TAGS = new Set(['', 'sh', 'bash', 'shell', 'console']);
const COMMAND = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(?:npx\s+(?:--no-install\s+)?)?label-bot(?=\s|$)(.*)$/;
const INLINE = /`(npx\s+(?:--no-install\s+)?label-bot(?:\s[^`]*)?)`/g;

function markdownFiles(root: string): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return [join(root, 'README.md'), join(root, 'config-issue.md'), ...docs(join(root, 'docs')).sort()];
}

/** ` # comment` outside quotes, removed. */
function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function normalize(text: string): string | null {
  const m = COMMAND.exec(text.trim().replace(/\s+/g, ' '));
  return m ? `${m[1]}label-bot${m[2]}`.trim() : null;
}

export function quotedCommands(root: string): QuotedCommand[] {
  const found: QuotedCommand[] = [];
  for (const file of markdownFiles(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const name = relative(root, file);
    let fence: { marker: string; shell: boolean } | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
      if (fence) {
        if (open && open[1]!.startsWith(fence.marker) && line.trim() === open[1]) {
          fence = null;
          continue;
        }
        if (!fence.shell) continue;
        let text = line;
        const start = i;
        while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + ' ' + lines[++i]!.trim();
        // A synopsis wraps its options onto indented lines that start with `[`.
        if (/\s\[/.test(text)) while (/^\s+\[/.test(lines[i + 1] ?? '')) text += ' ' + lines[++i]!.trim();
        const key = normalize(stripComment(text.trim().replace(/^\$\s+/, '')));
        if (key) found.push({ key, where: `${name}:${start + 1}` });
        continue;
      }
      if (open) {
        fence = { marker: open[1]!, shell: SHELL_TAGS.has(open[2]!.toLowerCase()) };
        continue;
      }
      for (const m of line.matchAll(INLINE)) {
        const key = normalize(m[1]!);
        if (key) found.push({ key, where: `${name}:${i + 1}` });
      }
    }
  }
  return found;
}

/** Inline spans (outside fences) of the form `label-bot <command> … --option …`: prose that names options. */
export function inlineOptionMentions(root: string): QuotedCommand[] {
  const found: QuotedCommand[] = [];
  for (const file of markdownFiles(root)) {
    let inFence = false;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
        if (inFence) return;
        for (const m of line.matchAll(/`(label-bot\s[^`]*--[a-z][^`]*)`/g))
          found.push({ key: m[1]!.replace(/\s+/g, ' '), where: `${relative(root, file)}:${i + 1}` });
      });
  }
  return found;
}

/** Shell words: '…' and "…" quoting and backslash escapes, as sh splits a simple command. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i]!;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}
