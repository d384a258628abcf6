// Builds dist/app.cjs, the app for `probot run` (npm run dev). The Lambda bundle is built by serverless-esbuild.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/lambda/probot-server-app.ts'],
  outfile: 'dist/app.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Use the installed node_modules (smee-client, onnxruntime-node's native binary …) rather than bundling them.
  packages: 'external',
  sourcemap: true,
  logLevel: 'info',
  // `export default` → module.exports.default; Probot's resolver unwraps `__esModule && default`.
});
