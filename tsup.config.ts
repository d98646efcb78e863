import { defineConfig } from 'tsup';

export default defineConfig([
  {
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
    // Keep the CLI, which the second build writes at the same time.
    clean: ['!cli.js'],
    treeshake: true,
    splitting: false,
    // Store entries import the core by its package name, so they share its error classes at run time.
    external: ['sqs-partial-batch'],
  },
  {
    // The `sqs-partial-batch` bin: one ESM file with its shebang. The YAML parser (a dev dependency) is
    // bundled in, so the package keeps no runtime dependencies; the AWS SDK clients (optional peers)
    // stay external and are imported only by `--live`.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    clean: false,
    treeshake: true,
    splitting: false,
    noExternal: ['yaml'],
    // Smaller in the package, names kept for readable stack traces.
    esbuildOptions(options) {
      options.minifyWhitespace = true;
      options.minifySyntax = true;
    },
    // yaml's Node build is CommonJS and requires Node built-ins; give the ESM bundle a require for them.
    banner: {
      js: "import { createRequire as __cliRequire } from 'node:module';\nconst require = __cliRequire(import.meta.url);",
    },
  },
]);
