// The `tracer` option on the packed package, installed into a fresh project
// with @opentelemetry/api and the SDK as a user would: one span per record in
// ESM and in CommonJS (from CommonJS the package imports its span code and
// the API as ES modules while the user's code requires the API's CommonJS
// build: both copies must share the registered context manager), user spans nested under their record's span, the README's
// Tracing snippet type-checks, and a handler without `tracer` loads no
// OpenTelemetry module, ours or the API, in either module system.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, run as runWith, scratchProject, typeCheck } from './scratch.mjs';

const run = (command, args, cwd) => runWith(command, args, cwd, { ...process.env, LOG_LEVEL: 'silent' });
const lastLine = (output) => output.trim().split('\n').at(-1);
const { work, app } = scratchProject('tracing', [
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/context-async-hooks',
]);

try {
  // One span per record, nesting, status: the same program in both module systems.
  const program = (load) => `${load}
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = provider.getTracer('app');
const handler = createBatchHandler(async (record) => {
  await tracer.startActiveSpan('work', async (span) => {
    span.setAttribute('for', record.messageId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    span.end();
  });
  if (record.body === 'bad') throw new Error('bad');
}, { tracer, concurrency: 3, logger: false });
const event = sqsEvent(['ok', 'bad', 'ok again']);
handler(event).then((response) => {
  const spans = exporter.getFinishedSpans();
  const records = spans.filter((s) => s.kind === SpanKind.CONSUMER);
  const recordSpanOf = new Map(records.map((s) => [s.attributes['messaging.message.id'], s.spanContext().spanId]));
  console.log(JSON.stringify({
    response,
    ids: event.Records.map((r) => r.messageId),
    names: records.map((s) => s.name),
    statuses: Object.fromEntries(records.map((s) => [s.attributes['messaging.message.id'], s.status.code])),
    nested: spans.filter((s) => s.name === 'work').every((s) => s.parentSpanContext?.spanId === recordSpanOf.get(s.attributes.for)),
  }));
});
`;
  writeFileSync(
    join(app, 'traced.mjs'),
    program(`import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createBatchHandler } from 'sqs-partial-batch';
import { sqsEvent } from 'sqs-partial-batch/testing';`),
  );
  writeFileSync(
    join(app, 'traced.cjs'),
    program(`const { context, SpanKind } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { createBatchHandler } = require('sqs-partial-batch');
const { sqsEvent } = require('sqs-partial-batch/testing');`),
  );
  for (const file of ['traced.mjs', 'traced.cjs']) {
    const out = JSON.parse(lastLine(run(process.execPath, [file], app)));
    assert.deepEqual(out.response, { batchItemFailures: [{ itemIdentifier: out.ids[1] }] }, file);
    assert.deepEqual(out.names, ['process orders', 'process orders', 'process orders'], `${file}: one span per record`);
    assert.deepEqual(
      out.statuses,
      { [out.ids[0]]: 0, [out.ids[1]]: 2, [out.ids[2]]: 0 },
      `${file}: ERROR for the failed record`,
    );
    assert.equal(out.nested, true, `${file}: user spans are children of their record's span`);
  }

  // Without `tracer`, no OpenTelemetry module is loaded, though the API is installed and resolvable.
  const loaded = (entry, mode) =>
    JSON.parse(
      lastLine(
        run(
          process.execPath,
          [
            join(root, 'test/helpers/loadedModules.mjs'),
            pathToFileURL(join(app, 'node_modules/sqs-partial-batch/dist', entry)).href,
            mode,
          ],
          app,
        ),
      ),
    ).resolved.filter((url) => url.includes('/@opentelemetry/') || /\/dist\/spans-[A-Z0-9]+\.c?js$/.test(url));
  for (const entry of ['index.js', 'index.cjs']) {
    assert.deepEqual(loaded(entry, 'none'), [], `${entry}: a handler without tracer loads no OpenTelemetry code`);
    const withTracer = loaded(entry, 'tracer');
    assert.ok(
      withTracer.some((url) => /\/dist\/spans-[A-Z0-9]+\.c?js$/.test(url)) &&
        withTracer.some((url) => url.includes('/@opentelemetry/api/')),
      `${entry}: the check sees the modules a tracer loads (${withTracer.length} seen, none of them dist/spans-*.js)`,
    );
  }

  // The docs' Tracing snippet type-checks against the installed packages.
  const readme = readFileSync(join(root, 'docs/observability.md'), 'utf8');
  const snippet = /## Tracing[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet, 'docs/observability.md has a "Tracing" section with a ts block');
  writeFileSync(join(app, 'readme-tracing.ts'), snippet);
  typeCheck(app, ['readme-tracing.ts']);

  console.log(
    'tracing pack test: one span per record in ESM and CJS, nested user spans, the Tracing snippet of docs/observability.md type-checks, and no OpenTelemetry code without `tracer`',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
