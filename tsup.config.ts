import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// The builds below write to one folder at the same time, so none of them cleans it: it is cleaned here, once.
rmSync(fileURLToPath(new URL('./dist', import.meta.url)), { recursive: true, force: true });

const library: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  clean: false,
  treeshake: true,
  splitting: false,
  // Store entries import the core by its package name, so they share its error classes at run time.
  external: ['sqs-partial-batch'],
};

const errorsModule = fileURLToPath(new URL('./src/errors.ts', import.meta.url));

export default defineConfig([
  {
    ...library,
    entry: {
      index: 'src/index.ts',
      dynamodb: 'src/stores/dynamodb.ts',
      redis: 'src/stores/redis.ts',
      sqs: 'src/sqs.ts',
      tracing: 'src/observability/tracing.ts',
      'testing/index': 'src/testing/index.ts',
    },
  },
  {
    // The consumer runs the engine, which it bundles, but its error classes must be the core's (a
    // `PermanentError` thrown by user code is the core's class): `src/errors.ts` is taken from the
    // core at run time, whose entry exports every name it defines.
    ...library,
    entry: { consumer: 'src/consumer/index.ts' },
    esbuildPlugins: [
      {
        name: 'errors-from-the-core',
        setup(build) {
          build.onResolve({ filter: /\/errors\.js$/ }, (args) => {
            const resolved = fileURLToPath(new URL(args.path.replace(/\.js$/, '.ts'), `file://${args.importer}`));
            return resolved === errorsModule ? { path: 'sqs-partial-batch', external: true } : undefined;
          });
        },
      },
    ],
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
