import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      'sqs-partial-batch/circuit-breaker': fileURLToPath(new URL('./src/circuit/index.ts', import.meta.url)),
      'sqs-partial-batch/consumer': fileURLToPath(new URL('./src/consumer/index.ts', import.meta.url)),
      'sqs-partial-batch/dynamodb': fileURLToPath(new URL('./src/stores/dynamodb.ts', import.meta.url)),
      'sqs-partial-batch/sqs': fileURLToPath(new URL('./src/sqsEntry.ts', import.meta.url)),
      'sqs-partial-batch/large-payloads': fileURLToPath(new URL('./src/largePayloads/index.ts', import.meta.url)),
      'sqs-partial-batch/redis': fileURLToPath(new URL('./src/stores/redis.ts', import.meta.url)),
      'sqs-partial-batch/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      'sqs-partial-batch': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Names the run for Redis key prefixes; deletes the run's keys at the end and fails if any remain.
    globalSetup: ['test/setup/redis.ts'],
    // One module graph per worker, not per file: test files import the engine once per worker rather than
    // once each, which halves the run on two cores. Test files must not depend on module state left by
    // others (a shuffled run, `npx vitest run --sequence.shuffle`, checks it).
    isolate: false,
    // CI shares two cores between test files; backends (dynalite, fauxqs) need headroom.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A passing run prints a line per file and the summary, no console output of passing tests (failing
    // ones keep theirs), and no line longer than a terminal's.
    reporters: [
      ['default', { summary: false }],
      ['json', { outputFile: 'reports/vitest.json' }],
    ],
    silent: 'passed-only',
    // The AWS SDK warns once per worker on Node 20 that later SDK versions need Node 22. The default
    // JSON logger writes a line per failed record; tests that read it turn it back on.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'silent' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The CLI's entry only hands process.argv to main(); test/cli/bin.test.ts runs it as a child process.
      exclude: ['src/cli/bin.ts'],
      // The summary on the console; the per-file table in coverage/coverage.txt.
      reporter: ['text-summary', ['text', { file: 'coverage.txt' }]],
      thresholds: { statements: 95, branches: 95, functions: 95, lines: 95 },
    },
  },
});
