/**
 * Imported first by bench/run.ts (ESM evaluates imports in order): the components under test log JSON to stdout
 * with pino, which would corrupt `--json` output and cost time inside the measured paths. Benchmarks measure the
 * code with logging at `warn` unless LOG_LEVEL is set explicitly.
 */
process.env.LOG_LEVEL ??= 'warn';
process.env.METADATA_SERVER_DETECTION ??= 'none';
