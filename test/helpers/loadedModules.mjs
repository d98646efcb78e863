// Runs a handler in a fresh process and prints, as JSON, the URL of every
// module the process loaded (resolved by `import`, or in `require.cache`), so
// a test can tell which packages a handler loads.
// Usage: node [--import tsx] loadedModules.mjs <module URL> [tracer]
// where <module> exports createBatchHandler (the sources, or the built
// package; a `.cjs` file is required, anything else imported); with
// `tracer`, the handler gets a stand-in tracer (plain functions, no
// OpenTelemetry package).
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'loaded-modules-'));
const log = join(dir, 'resolved.txt');
appendFileSync(log, '');
// Module hooks run on their own thread; a synchronous append is in the file before the import goes on.
const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const [, , target, mode] = process.argv;
const span = { setAttribute() {}, setStatus() {}, recordException() {}, end() {}, spanContext: () => ({}) };
const tracer = { startSpan: () => span, startActiveSpan: () => undefined };
const require = createRequire(import.meta.url);
const { createBatchHandler } = target.endsWith('.cjs') ? require(fileURLToPath(target)) : await import(target);
const handler = createBatchHandler(
  (record) => {
    if (record.body === 'bad') throw new Error('bad');
  },
  mode === 'tracer' ? { tracer, logger: false } : { logger: false },
);
const response = await handler({
  Records: ['ok', 'bad'].map((body, i) => ({
    messageId: `m-${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders',
  })),
});
// One more import through the hooks thread: every resolution asked for before it has been logged.
await import('node:path');
const resolved = [
  ...readFileSync(log, 'utf8').split('\n').filter(Boolean),
  ...Object.keys(require.cache).map((file) => pathToFileURL(file).href),
];
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ response, resolved })}\n`);
