import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    dynamodb: 'src/stores/dynamodb.ts',
    redis: 'src/stores/redis.ts',
    sqs: 'src/sqs.ts',
    tracing: 'src/observability/tracing.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  clean: true,
  treeshake: true,
  splitting: false,
  // Store entries import the core by its package name, so they share its error classes at run time;
  // the core loads `sqs` and `tracing` by their package names, so their code stays out of its bundle.
  external: ['sqs-partial-batch'],
});
