// Installs the packed package into a fresh project, the way a user does, and
// checks that it can be imported and required, that its types resolve (with
// the schema's type reaching record.body), that the README's quick start
// type-checks and runs unchanged, and that `npx sqs-partial-batch check` works.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, run, scratchProject, typeCheck } from './scratch.mjs';

/**
 * Ceiling for a minimal handler's minified bundle, in bytes. It holds the
 * measured size with a little headroom, so growth is a deliberate decision:
 * raise it in the same commit, and say why. Issue #5's target is 6 KB, which
 * the core does not meet; BENCHMARKS.md says where the bytes go.
 *
 * Issue #11 holds it at 30 KB. The hardening (#10) and observability (#12)
 * rounds took the minimal handler past it: every feature an option can turn
 * on is reachable from createBatchHandler, and a single-file bundle inlines
 * even the modules the core loads lazily (SQS calls, tracing). BENCHMARKS.md
 * breaks the bytes down by module. Until that is decided, the ceiling holds
 * today's size, so the bundle cannot grow unnoticed.
 *
 * Issue #18 (hardening, second round) raised it from 58 to 64 KB: dead-letter
 * packing by bytes and reply validation (sqs.js, +2.8 KB), CloudWatch's rules
 * for dimensions and queue names, the logger's field rules, the fragment
 * scrub of issue messages and the sink guards (index.js, +3.9 KB), span guards
 * (spans.js, +0.5 KB); mostly the text of their error messages.
 *
 * Issue #20 raised it from 64 to 66 KB (65,971 bytes measured): the returned
 * failure check and its error class, the queue URL or ARN check and the ARN
 * lookup for dead-lettering, and the InvalidBodies metric (+1.5 KB together),
 * less about 1 KB that the split build (#19: shared chunks instead of a copy of
 * the engine per entry) saves. Issue #21 sets the target at 58 KB.
 *
 * Issue #22 (large payloads) raised it from 66 to 75 KB (76,026 bytes
 * measured, +10.5 KB): \`largePayloads\` works on \`createBatchHandler\`
 * without an extra import, as the issue's API says, so the reader is a lazily
 * imported chunk, and a single-file bundle inlines it (inside a lazy
 * initializer: compiled only if a handler uses it). The option's checks and
 * the engine's hooks for it are in the core (+2.5 KB). What a user feels is
 * the cold start, measured by \`npm run bench\` (whole-process CPU against
 * Powertools), not this size.
 *
 * Issue #24 (circuit breaker) raised it from 75 to 76 KB (77,334 bytes
 * measured): the core keeps the breaker's contract and its checks (+1.3 KB);
 * the breaker itself is the `/circuit-breaker` entry a user imports to make one.
 */
const CORE_BUNDLE_CEILING = 76 * 1024;

// The default JSON logger writes a line per failed record; the runs below check answers, not logs.
process.env.LOG_LEVEL ??= 'silent';

const { work, app, packed } = scratchProject('smoke', ['zod']);

try {
  const { files } = packed;
  assert.ok(
    files.every((f) => f === 'package.json' || f === 'README.md' || f === 'LICENSE' || f.startsWith('dist/')),
    `unexpected files in the package: ${files}`,
  );

  // The README's quick start, unchanged.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const quickStart = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(quickStart, 'README has a "Quick start" ts block');
  writeFileSync(join(app, 'handler.ts'), quickStart);
  writeFileSync(
    join(app, 'types.ts'),
    `import { createBatchHandler, type BatchHandler } from 'sqs-partial-batch';
import { sqsEvent } from 'sqs-partial-batch/testing';
import type { SQSHandler } from 'aws-lambda';
import { z } from 'zod';
type IsAny<T> = 0 extends 1 & T ? true : false;
const handler: BatchHandler = createBatchHandler((record) => {
  const notAny: IsAny<typeof record.body> = false;
  const id: string = record.body.orderId;
  void notAny; void id;
}, { schema: z.object({ orderId: z.string() }) });
export const lambda: SQSHandler = handler;
export const event = sqsEvent(['{}']);
`,
  );
  writeFileSync(
    join(app, 'require.cts'),
    `import batch = require('sqs-partial-batch');
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny: IsAny<typeof batch.createBatchHandler> = false;
export const handler = batch.createBatchHandler((record) => { const s: string = record.body; void s; void notAny; });
`,
  );
  typeCheck(app, ['*.ts', '*.cts']);

  // Run the quick start: transpile it as a user's build would, and invoke it.
  const ts = (await import('typescript')).default;
  const js = ts.transpileModule(quickStart, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(app, 'handler.mjs'), js);
  writeFileSync(
    join(app, 'invoke.mjs'),
    `import { handler } from './handler.mjs';
import { sqsEvent, lambdaContext } from 'sqs-partial-batch/testing';
const event = sqsEvent([{ orderId: 'o-1', amountCents: 100 }, { orderId: 'o-2' }, 'not json']);
const response = await handler(event, lambdaContext());
console.log(JSON.stringify({ ids: event.Records.map((r) => r.messageId), response }));
`,
  );
  const invoked = JSON.parse(run(process.execPath, ['invoke.mjs'], app).trim().split('\n').at(-1));
  assert.deepEqual(invoked.response, {
    batchItemFailures: invoked.ids.slice(1).map((itemIdentifier) => ({ itemIdentifier })),
  });

  // Bundled the way Lambda functions usually are (esbuild, everything inlined),
  // with no AWS SDK installed: the bundle builds and runs on its own.
  const { build } = await import('esbuild');
  writeFileSync(
    join(app, 'bundled-entry.mjs'),
    `import { handler } from './handler.mjs';
import { sqsEvent, lambdaContext } from 'sqs-partial-batch/testing';
const event = sqsEvent([{ orderId: 'o-1', amountCents: 100 }, { orderId: 'o-2' }, 'not json']);
handler(event, lambdaContext()).then((response) =>
  console.log(JSON.stringify({ ids: event.Records.map((r) => r.messageId), response })),
);
`,
  );
  for (const format of ['esm', 'cjs']) {
    const outfile = join(work, `bundle.${format === 'esm' ? 'mjs' : 'cjs'}`);
    const bundledQuickStart = await build({
      entryPoints: [join(app, 'bundled-entry.mjs')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      outfile,
      logLevel: 'silent',
    }).catch((error) => {
      throw new Error(`bundling the quick start as ${format} failed: ${error.message}`);
    });
    assertNoWarnings(bundledQuickStart, `bundling the quick start as ${format}`);
    const bundled = JSON.parse(run(process.execPath, [outfile], work).trim().split('\n').at(-1));
    assert.deepEqual(bundled.response, {
      batchItemFailures: bundled.ids.slice(1).map((itemIdentifier) => ({ itemIdentifier })),
    });
  }

  // Size of the core: a minimal handler bundled and minified, the AWS SDK
  // external as in Lambda's Node.js runtimes. Fails when the core grows past
  // its ceiling, or when it would load an AWS SDK client at start-up.
  writeFileSync(
    join(app, 'minimal.mjs'),
    "import { createBatchHandler } from 'sqs-partial-batch';\nexport const handler = createBatchHandler(async (record) => { console.log(record.body); });\n",
  );
  const minimal = await build({
    entryPoints: [join(app, 'minimal.mjs')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
  });
  assertNoWarnings(minimal, 'bundling the minimal handler');
  const core = minimal.outputFiles[0].contents;
  const coreGzip = gzipSync(core, { level: 9 }).byteLength;
  assert.doesNotMatch(
    minimal.outputFiles[0].text,
    /(^|;)import[^;]*from\s*["']@aws-sdk\//m,
    'the minimal handler imports the AWS SDK at start-up',
  );
  assert.doesNotMatch(
    minimal.outputFiles[0].text,
    /(^|;)import[^;]*from\s*["']@aws-sdk\/client-s3/m,
    'the minimal handler imports the S3 client at start-up',
  );
  assert.ok(
    core.byteLength <= CORE_BUNDLE_CEILING,
    `the minimal handler bundles to ${core.byteLength} bytes minified, past its ceiling of ${CORE_BUNDLE_CEILING}`,
  );

  // Cold start: a handler whose options use no idempotency loads no `node:crypto` (and with it Node's
  // streams), and one that logs nothing makes no console, in ESM and CommonJS. The built-in modules a
  // fresh process has loaded are read from `process.moduleLoadList` (a bare process loads none of these).
  const coldLoads = (load) => `${load}
const handler = createBatchHandler(async () => {});
const record = (i) => ({ messageId: 'm' + i, receiptHandle: 'r' + i, body: 'b', attributes: { ApproximateReceiveCount: '1' },
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:q', awsRegion: 'eu-west-1' });
const context = { awsRequestId: 'r', functionName: 'f', getRemainingTimeInMillis: () => 30000 };
handler({ Records: [record(1), record(2)] }, context).then((response) => {
  if (response.batchItemFailures.length !== 0) throw new Error('unexpected failures');
  const loaded = process.moduleLoadList.filter((m) => /^NativeModule (crypto|console|stream)$/.test(m));
  console.log(JSON.stringify(loaded));
});
`;
  writeFileSync(join(app, 'cold.mjs'), coldLoads("import { createBatchHandler } from 'sqs-partial-batch';"));
  writeFileSync(join(app, 'cold.cjs'), coldLoads("const { createBatchHandler } = require('sqs-partial-batch');"));
  for (const file of ['cold.mjs', 'cold.cjs']) {
    assert.deepEqual(
      JSON.parse(run(process.execPath, [file], app).trim()),
      [],
      `${file}: a minimal handler loads node:crypto, node:console or streams`,
    );
  }

  // CommonJS consumers.
  writeFileSync(
    join(app, 'check.cjs'),
    `const assert = require('node:assert/strict');
const { createBatchHandler, InvalidOptionsError, FullBatchFailureError } = require('sqs-partial-batch');
const { sqsEvent } = require('sqs-partial-batch/testing');
assert.throws(() => createBatchHandler(() => {}, { concurrency: 0 }), InvalidOptionsError);
const handler = createBatchHandler((record) => { if (record.body === 'bad') throw new Error('bad'); });
const event = sqsEvent(['ok', 'bad']);
handler(event).then((response) => {
  assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: event.Records[1].messageId }] });
  return handler(sqsEvent(['bad'])).then(() => assert.fail('expected a throw'), (error) => assert.ok(error instanceof FullBatchFailureError));
}).then(() => console.log('cjs ok'));
`,
  );
  assert.equal(run(process.execPath, ['check.cjs'], app).trim(), 'cjs ok');

  // Store entry points load without their peer clients, and they, the
  // testing toolkit and the consumer (whose bundled engine takes its error
  // classes from the core) throw the core's error classes.
  const shared = (ext, load) =>
    writeFileSync(
      join(app, `shared.${ext}`),
      `${load}
for (const bad of [
  () => new RedisIdempotencyStore({ client: {} }),
  () => new QueueSimulator({ batchSize: 0 }),
  () => createConsumer(() => {}, { queueUrl: '' }),
  () => createConsumer(() => {}, { queueUrl: 'https://sqs.example/q', concurrency: 0 }),
]) {
  try { bad(); throw new Error('expected a throw'); }
  catch (error) { if (!(error instanceof InvalidOptionsError)) throw error; }
}
console.log('shared ok');
`,
    );
  shared(
    'mjs',
    "import { InvalidOptionsError } from 'sqs-partial-batch';\nimport { RedisIdempotencyStore } from 'sqs-partial-batch/redis';\nimport { QueueSimulator } from 'sqs-partial-batch/testing';\nimport { createConsumer } from 'sqs-partial-batch/consumer';",
  );
  shared(
    'cjs',
    "const { InvalidOptionsError } = require('sqs-partial-batch');\nconst { RedisIdempotencyStore } = require('sqs-partial-batch/redis');\nconst { QueueSimulator } = require('sqs-partial-batch/testing');\nconst { createConsumer } = require('sqs-partial-batch/consumer');",
  );
  assert.equal(run(process.execPath, ['shared.mjs'], app).trim(), 'shared ok');
  assert.equal(run(process.execPath, ['shared.cjs'], app).trim(), 'shared ok');

  // Observability on the packed package, ESM and CJS: with no options a failed record is one JSON line
  // with its messageId; `metrics` writes one EMF document whose counts match the response;
  // `logger: false` writes nothing; a hostile body reaches neither.
  const observed = (ext, load) =>
    writeFileSync(
      join(app, `observed.${ext}`),
      `${load}
const event = sqsEvent(['{"ok":true}', 'SECRET-BODY not json', '{"fail":true}']);
const ids = event.Records.map((r) => r.messageId);
const handler = createBatchHandler((record) => { if (record.body.fail) throw new Error('declined'); }, {
  schema: { '~standard': { version: 1, vendor: 't', validate: (value) => ({ value }) } },
  metrics: { namespace: 'Smoke' },
});
const silent = createBatchHandler(() => { throw new Error('x'); }, { logger: false, throwOnFullBatchFailure: false });
// Issue #18: dimensions CloudWatch refuses are refused at creation; the logger's own fields win over a call's;
// what a schema throws (here quoting the body) reaches no output.
let refused = 0;
for (const dimensions of [{ _aws: 'x' }, { RecordsFailed: 'x' }, { Service: 'café' }, { ':x': 'v' }]) {
  try { createBatchHandler(() => {}, { metrics: { namespace: 'Smoke', dimensions } }); }
  catch (error) { if (error instanceof InvalidOptionsError) refused++; }
}
const named = createBatchHandler((record, ctx) => { ctx.logger.error('charge failed', { message: 'card declined' }); });
const quoting = createBatchHandler(() => {}, {
  schema: { '~standard': { version: 1, vendor: 't', validate: (value) => { throw new Error('cannot read ' + JSON.stringify(value)); } } },
  throwOnFullBatchFailure: false,
});
handler(event, lambdaContext()).then(async (response) => {
  await silent(sqsEvent(['a']));
  await named(sqsEvent(['b']), lambdaContext());
  await quoting(sqsEvent([{ card: 'SECRET-BODY-4111' }]), lambdaContext());
  console.log(JSON.stringify({ ids, response, refused }));
});
`,
    );
  observed(
    'mjs',
    "import { createBatchHandler, InvalidOptionsError } from 'sqs-partial-batch';\nimport { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';",
  );
  observed(
    'cjs',
    "const { createBatchHandler, InvalidOptionsError } = require('sqs-partial-batch');\nconst { lambdaContext, sqsEvent } = require('sqs-partial-batch/testing');",
  );
  for (const ext of ['mjs', 'cjs']) {
    const child = spawnSync(process.execPath, [`observed.${ext}`], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'INFO' },
    });
    assert.equal(child.status, 0, child.stderr);
    const jsonLines = (text) => text.split('\n').filter((line) => line.startsWith('{'));
    const out = jsonLines(child.stdout);
    const { ids, response, refused } = JSON.parse(out.at(-1));
    assert.deepEqual(
      response.batchItemFailures.map((f) => f.itemIdentifier),
      [ids[1], ids[2]],
    );
    assert.equal(refused, 4, `${ext}: dimensions CloudWatch refuses are refused with InvalidOptionsError`);
    const entries = [...out.slice(0, -1), ...jsonLines(child.stderr)].map((line) => JSON.parse(line));
    const logged = entries
      .filter((entry) => entry.level === 'ERROR' && ids.includes(entry.messageId))
      .map((entry) => [entry.messageId, entry.message]);
    assert.deepEqual(logged, [
      [ids[1], 'Record failed validation'],
      [ids[2], 'Record failed'],
    ]);
    const charge = entries.find((entry) => entry['attributes.message'] !== undefined);
    assert.deepEqual(
      [charge?.level, charge?.message, charge?.['attributes.message']],
      ['ERROR', 'charge failed', 'card declined'],
      `${ext}: the logger's own fields win over a call's attributes`,
    );
    assert.ok(
      entries.some((entry) => /The schema threw an error; its text is not shown/.test(entry.error?.message ?? '')),
      `${ext}: a schema that throws is logged without its text`,
    );
    const documents = entries.filter((entry) => '_aws' in entry);
    assert.equal(documents.length, 1, `${ext}: one EMF document per invocation`);
    assert.equal(documents[0]._aws.CloudWatchMetrics[0].Namespace, 'Smoke');
    assert.deepEqual(
      [documents[0].RecordsSucceeded, documents[0].RecordsInvalid, documents[0].RecordsFailed, documents[0].BatchSize],
      [1, 1, 1, 3],
    );
    assert.doesNotMatch(`${child.stdout}${child.stderr}`, /SECRET-BODY/, `${ext}: a body reached the output`);
  }

  // The bin, as a user runs it: `npx sqs-partial-batch check` finds a missing
  // ReportBatchItemFailures (exit 1) and passes the repository's SAM example (exit 0).
  writeFileSync(
    join(app, 'lacking.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
`,
  );
  const npx = (args) =>
    spawnSync('npx', ['--no-install', 'sqs-partial-batch', ...args], { cwd: app, encoding: 'utf8' });
  const lacking = npx(['check', 'lacking.yaml', '--format', 'json']);
  assert.equal(lacking.status, 1, `npx sqs-partial-batch check lacking.yaml: ${lacking.stderr}`);
  assert.ok(
    JSON.parse(lacking.stdout).findings.some((f) => f.rule === 'report-batch-item-failures' && f.severity === 'error'),
    'the check reports the missing ReportBatchItemFailures',
  );
  const example = npx(['check', join(root, 'examples/sam/template.yaml')]);
  assert.equal(example.status, 0, `the SAM example does not pass the check:\n${example.stdout}${example.stderr}`);
  assert.match(example.stdout, /0 errors, 0 warnings, 0 info; 0 rules not checked, 1 event source checked/);

  // #23 on the packed bin: every hostile input ends within 5 s and 300 MB, exit 2, one line.
  const fixtures = join(root, 'test/cli/fixtures');
  writeFileSync(join(app, 'big.json'), '');
  truncateSync(join(app, 'big.json'), 50 * 1024 * 1024);
  writeFileSync(join(app, 'deep.yaml'), `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  writeFileSync(join(app, 'empty.yaml'), '');
  execFileSync('mkfifo', [join(app, 'pipe.yaml')]);
  const hostile = [
    join(fixtures, 'hostile/alias-bomb.yaml'),
    join(fixtures, 'hostile/self-alias.yaml'),
    join(fixtures, 'hostile/binary.yaml'),
    join(fixtures, 'hostile/utf16.yaml'),
    'big.json',
    'deep.yaml',
    'empty.yaml',
    'pipe.yaml',
    fixtures,
  ];
  const bin = join(app, 'node_modules/sqs-partial-batch/dist/cli.js');
  for (const input of hostile) {
    const rss = join(app, 'peak.rss');
    const started = performance.now();
    const child = spawnSync(
      process.execPath,
      ['--import', join(root, 'test/cli/peakMemory.mjs'), bin, 'check', input],
      {
        cwd: app,
        encoding: 'utf8',
        timeout: 10_000,
        env: { ...process.env, SPB_PEAK_MEMORY_FILE: rss },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const megabytes = Number(readFileSync(rss, 'utf8')) / 1024 / 1024;
    assert.equal(child.status, 2, `${input}: exit ${child.status}\n${child.stderr}`);
    assert.match(child.stderr, /^sqs-partial-batch: [^\n]+\n$/, `${input}: not one line: ${child.stderr}`);
    assert.ok(seconds < 5 && megabytes < 300, `${input}: ${seconds.toFixed(1)} s, ${megabytes.toFixed(0)} MB`);
  }

  // serverless.yml needs nothing more; Terraform needs the optional HCL parser, and says so when it is missing.
  const serverless = npx(['check', join(fixtures, 'serverless/basic.yml'), '--format', 'json']);
  assert.equal(serverless.status, 1, serverless.stderr);
  assert.equal(JSON.parse(serverless.stdout).summary.errors, 1);
  const terraform = npx(['check', join(fixtures, 'terraform/basic.tf')]);
  assert.equal(terraform.status, 2);
  assert.match(
    terraform.stderr,
    /reading Terraform needs @cdktn\/hcl2json, which is not installed: npm install --save-dev @cdktn\/hcl2json\n$/,
  );

  console.log(
    `pack smoke test: ${packed.filename} (${packed.size} bytes, ${files.length} files): install, import, require, quick start, logs, metrics, check (hostile input, serverless.yml, Terraform)`,
  );
  console.log(
    `core size: a minimal handler bundles to ${(core.byteLength / 1024).toFixed(1)} KB minified, ${(coreGzip / 1024).toFixed(1)} KB gzipped (ceiling ${(CORE_BUNDLE_CEILING / 1024).toFixed(1)} KB)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** A user's bundler must not warn about the package (as it did about bare imports of chunks marked side-effect free). */
function assertNoWarnings(result, what) {
  assert.deepEqual(
    result.warnings.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`),
    [],
    `${what}: esbuild warns`,
  );
}
