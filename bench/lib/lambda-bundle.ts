/**
 * The Lambda bundle as serverless-esbuild builds it from serverless.yml (CommonJS, everything bundled except
 * onnxruntime-node, no minify, no source map). Written under .esbuild/ in the repo so `require('onnxruntime-node')`
 * resolves from node_modules exactly as in the packaged zip.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './data';

export interface BuiltBundle {
  dir: string;
  file: string;
  bytes: number;
  buildMs: number;
  remove(): void;
}

export async function buildLambdaBundle(): Promise<BuiltBundle> {
  const dir = join(REPO_ROOT, '.esbuild', `bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // The zip has no package.json, so the bundle is CommonJS there; the repo's "type": "module" must not apply.
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const file = join(dir, 'handler.js');
  const t0 = performance.now();
  await build({
    entryPoints: [join(REPO_ROOT, 'handler.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    external: ['onnxruntime-node'],
    logLevel: 'silent',
  });
  return {
    dir,
    file,
    bytes: statSync(file).size,
    buildMs: performance.now() - t0,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
