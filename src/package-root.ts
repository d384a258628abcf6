/**
 * Files that ship with the package (package.json, the bundled universal model) are found from this file's place in
 * the package, so the CLI behaves the same from any working directory.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `rel` inside the installed package. */
export function packagePath(rel: string): string {
  return join(PACKAGE_ROOT, rel);
}
