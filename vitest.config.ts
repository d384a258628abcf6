import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Real gRPC/HTTP stand-ins and ONNX sessions start per suite; keep room for a loaded 2-core CI box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      METADATA_SERVER_DETECTION: 'none',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    },
  },
});
