import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// The builds below write to one folder at the same time, so none of them cleans it: it is cleaned here, once.
rmSync(fileURLToPath(new URL('./dist', import.meta.url)), { recursive: true, force: true });

// Every entry in one build with code splitting, ESM and CommonJS alike: a module that two entries use
// (the engine, the error classes) is one shared chunk, so a process that imports the root entry and
// `/consumer` (or `/testing`, `/redis`, ...) loads it once, and `instanceof` holds across entries.
// Modules the core imports lazily (the SQS helpers, the span code) are chunks of their own, loaded
// only when an option needs them.
const library: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  clean: false,
  treeshake: true,
  splitting: true,
};

export default defineConfig([
  {
    ...library,
    entry: {
      index: 'src/index.ts',
      'circuit-breaker': 'src/circuit/index.ts',
      consumer: 'src/consumer/index.ts',
      dynamodb: 'src/stores/dynamodb.ts',
      'large-payloads': 'src/largePayloads/index.ts',
      redis: 'src/stores/redis.ts',
      sqs: 'src/sqsEntry.ts',
      'testing/index': 'src/testing/index.ts',
    },
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
