// Minified and gzipped size of a minimal handler bundled with esbuild, the AWS SDK external.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { table } from './fixtures.js';

export const MINIMAL_HANDLERS: Record<string, string> = {
  'sqs-partial-batch': `import { createBatchHandler } from 'sqs-partial-batch';
export const handler = createBatchHandler(async (record) => { console.log(record.body); });`,
  'sqs-partial-batch + memory idempotency': `import { createBatchHandler, MemoryIdempotencyStore } from 'sqs-partial-batch';
export const handler = createBatchHandler(async (record) => { console.log(record.body); }, { idempotency: { store: new MemoryIdempotencyStore() } });`,
  'Powertools batch': `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new BatchProcessor(EventType.SQS);
export const handler = (event, context) => processPartialResponse(event, async (record) => { console.log(record.body); }, processor, { context });`,
  'middy + sqs-partial-batch-failure': `import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
export const handler = middy((event) => Promise.allSettled(event.Records.map(async (record) => { console.log(record.body); }))).use(sqsPartialBatchFailure());`,
};

export async function measureSize(name: string, cwd: string): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: MINIMAL_HANDLERS[name] as string, resolveDir: cwd, loader: 'js' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The AWS SDK ships with Lambda's runtimes. OpenTelemetry is external as in the cold-start bench: esbuild
    // would otherwise inline @opentelemetry/api (a dev dependency here) behind the tracing module's import().
    external: ['@aws-sdk/*', '@opentelemetry/api'],
    // Our package as built (npm run bench builds first), not the sources the tsconfig paths point to.
    tsconfigRaw: {},
    alias: {
      'sqs-partial-batch/sqs': join(cwd, 'dist/sqs.js'),
      'sqs-partial-batch': join(cwd, 'dist/index.js'),
    },
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

/** Issue #21's guard: the minimal handler at most the size it had when the issue was filed. */
export const BUNDLE_BUDGET_BYTES = 58 * 1024;

export async function sizeTable(cwd: string): Promise<{ text: string; minimalBytes: number }> {
  const rows: Array<Array<string | number>> = [];
  let minimalBytes = 0;
  for (const name of Object.keys(MINIMAL_HANDLERS)) {
    const { minified, gzipped } = await measureSize(name, cwd);
    if (name === 'sqs-partial-batch') minimalBytes = minified;
    rows.push([name, (minified / 1024).toFixed(1), (gzipped / 1024).toFixed(1)]);
  }
  const met = minimalBytes <= BUNDLE_BUDGET_BYTES;
  const text = `${table(['minimal handler', 'minified (KB)', 'min + gzip (KB)'], rows)}

Budget: the minimal handler at most ${BUNDLE_BUDGET_BYTES / 1024} KB minified (${(minimalBytes / 1024).toFixed(1)} KB: ${met ? 'met' : '**not met**'}).`;
  return { text, minimalBytes };
}

/** Which part of the library a source file belongs to, for the breakdown of the minimal handler's bytes. */
function partOf(file: string): string {
  if (/src\/(idempotency|stores)\//.test(file)) return 'idempotency (guard, payload hash, claim checks, memory store)';
  if (/src\/largePayloads\//.test(file))
    return 'large payloads (option checks; the reader, imported on demand, inlined by the bundler)';
  if (/src\/(circuit|contracts\/circuit)/.test(file)) return "circuit breaker (the option's contract only)";
  if (/src\/(failurePolicy\/|sqs\.ts|sqsBatches\.ts|sqsLimits\.ts)/.test(file))
    return 'failure policy and its SQS calls (backoff, dead-letter, drop)';
  if (/src\/observability\/(spans|tracingOption|xray|semconv)/.test(file))
    return 'tracing (loaded with `tracer`, inlined by the bundler)';
  if (/src\/observability\//.test(file)) return 'logs and metrics (default JSON logger, child loggers, EMF)';
  if (/src\/(options|optionChecks)\.ts/.test(file)) return 'option checks and their messages';
  if (/src\/errors\.ts/.test(file)) return 'errors';
  if (/src\/(parse|jsonError|scrub|standardSchema)\.ts/.test(file)) return 'body parsing (JSON position, scrubbing)';
  if (/src\//.test(file)) return 'the batch loop (phases, scheduler, deadline, budget, hooks, host)';
  return 'other';
}

/**
 * Where the minimal handler's bytes go, by part of the library: the same
 * handler bundled from the sources, so each byte is attributed to its file.
 * Every part an option can turn on is in the bundle, since the handler cannot
 * know its options until it is created.
 */
export async function sizeBreakdown(cwd: string): Promise<string> {
  const result = await build({
    stdin: {
      contents: (MINIMAL_HANDLERS['sqs-partial-batch'] as string).replace("'sqs-partial-batch'", "'./src/index.ts'"),
      resolveDir: cwd,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*', '@opentelemetry/*'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  const parts = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const part = partOf(file);
    parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
  }
  const rows = [...parts].sort((a, b) => b[1] - a[1]).map(([part, bytes]) => [part, (bytes / 1024).toFixed(1)]);
  return table(['part', 'minified (KB)'], rows);
}
