import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      'sqs-partial-batch/consumer': fileURLToPath(new URL('./src/consumer/index.ts', import.meta.url)),
      'sqs-partial-batch/dynamodb': fileURLToPath(new URL('./src/stores/dynamodb.ts', import.meta.url)),
      'sqs-partial-batch/sqs': fileURLToPath(new URL('./src/sqs.ts', import.meta.url)),
      'sqs-partial-batch/redis': fileURLToPath(new URL('./src/stores/redis.ts', import.meta.url)),
      'sqs-partial-batch/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      'sqs-partial-batch': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // The default JSON logger writes a line per failed record; tests that read it turn it back on.
    env: { LOG_LEVEL: 'silent' },
    // CI shares two cores between test files; backends (dynalite, fauxqs) need headroom.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { statements: 95, branches: 95, functions: 95, lines: 95 },
    },
  },
});
