// Builds dist/dev-server.cjs, the local Probot server for `npm run dev`. The Lambda bundle is built by serverless-esbuild.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/lambda/dev-server.ts'],
  outfile: 'dist/dev-server.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Use the installed node_modules (smee-client, onnxruntime-node's native binary …) rather than bundling them.
  packages: 'external',
  sourcemap: true,
  logLevel: 'info',
});
