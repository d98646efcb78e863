import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    dynamodb: 'src/stores/dynamodb.ts',
    redis: 'src/stores/redis.ts',
    sqs: 'src/sqs.ts',
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
  // Store entries import the core by its package name, so they share its error classes at run time.
  external: ['sqs-partial-batch'],
});
