/**
 * Imported first by bench/run.ts (ESM evaluates imports in order): the components under test log JSON to stdout
 * with pino, which would corrupt `--json` output (the bad-signature route alone logs a warning per event).
 * Benchmarks run the code with LOG_LEVEL=error unless LOG_LEVEL is set explicitly.
 */
process.env.LOG_LEVEL ??= 'error';
process.env.METADATA_SERVER_DETECTION ??= 'none';
