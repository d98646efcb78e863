// Every module once: a process that imports the root entry and the other
// entries (`/consumer`, `/testing`, `/redis`, `/dynamodb`, `/sqs`, `/large-payloads`, `/circuit-breaker`) of the
// packed package loads the engine from one file, and the error classes are
// the same across entries (`instanceof` holds), in ESM and in CommonJS.
// How it checks: it lists every file of the package the process loaded (a
// resolve hook in ESM, `require.cache` in CommonJS) and counts those holding
// the engine's code (a text only the engine's report phase has).
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, scratchProject } from './scratch.mjs';

const ENGINE_MARKER = 'Record failed validation';
// The DynamoDB entry imports its SDK client at load time, as it documents.
const { work, app } = scratchProject('identity', ['@aws-sdk/client-dynamodb']);

const checks = `
const results = {};
results.consumerError = new consumer.ShutdownTimeoutError('x') instanceof root.SqsPartialBatchError;
for (const [name, create] of [
  ['testing', () => testing.createFakeSqsClient({ nope: 1 })],
  ['redis', () => new redis.RedisIdempotencyStore({})],
  ['dynamodb', () => new dynamodb.DynamoDBIdempotencyStore({})],
  ['consumer', () => consumer.createConsumer(async () => {}, {})],
  ['circuit', () => new circuit.CircuitBreaker({ nope: 1 })],
  ['redisCircuit', () => new redis.RedisCircuitStateStore({})],
  ['dynamodbCircuit', () => new dynamodb.DynamoDBCircuitStateStore({})],
]) {
  try { create(); results[name] = 'did not throw'; } catch (error) { results[name] = error instanceof root.InvalidOptionsError; }
}
results.sqs = typeof sqs.sendToQueue === 'function' && typeof sqs.sendMessages === 'function';
// The error a handler throws when its circuit is open comes from the breaker's entry: the root's class.
const attached = new circuit.CircuitBreaker()[Symbol.for('sqs-partial-batch.circuit')](['throwOnFullBatchFailure']);
const open = attached.verdict([{ status: 'skipped', reason: 'circuit-open', messageId: 'a', index: 0 }], Date.now());
results.circuitOpenError = open instanceof root.CircuitOpenError && open instanceof root.SqsPartialBatchError;
results.largePayloadError = new large.LargePayloadError('m', 'b', 'x') instanceof root.SqsPartialBatchError;
try {
  root.createBatchHandler(() => {}, { largePayloads: { allowedBuckets: ['b'] } });
  results.largePayloads = true;
} catch (error) {
  results.largePayloads = String(error);
}
`;

// Without its entry imported, `largePayloads` works (the reader is imported on demand), and a bad value is
// still refused at creation.
const before = `
root.createBatchHandler(() => {}, { largePayloads: { allowedBuckets: ['b'] } });
try {
  root.createBatchHandler(() => {}, { largePayloads: { allowedBuckets: 'b' } });
  throw new Error('a bad largePayloads was accepted');
} catch (error) {
  if (!(error instanceof root.InvalidOptionsError)) throw error;
}
`;

try {
  writeFileSync(
    join(app, 'identity.mjs'),
    `import { appendFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
const log = fileURLToPath(new URL('./loaded-esm.txt', import.meta.url));
writeFileSync(log, '');
register('data:text/javascript,' + encodeURIComponent(\`import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(\${JSON.stringify(log)}, resolved.url + '\\\\n');
  return resolved;
}\`));
const root = await import('sqs-partial-batch');
${before}
const large = await import('sqs-partial-batch/large-payloads');
const consumer = await import('sqs-partial-batch/consumer');
const testing = await import('sqs-partial-batch/testing');
const redis = await import('sqs-partial-batch/redis');
const dynamodb = await import('sqs-partial-batch/dynamodb');
const sqs = await import('sqs-partial-batch/sqs');
const circuit = await import('sqs-partial-batch/circuit-breaker');
${checks}
console.log(JSON.stringify(results));
`,
  );
  writeFileSync(
    join(app, 'identity.cjs'),
    `const root = require('sqs-partial-batch');
${before}
const large = require('sqs-partial-batch/large-payloads');
const consumer = require('sqs-partial-batch/consumer');
const testing = require('sqs-partial-batch/testing');
const redis = require('sqs-partial-batch/redis');
const dynamodb = require('sqs-partial-batch/dynamodb');
const sqs = require('sqs-partial-batch/sqs');
const circuit = require('sqs-partial-batch/circuit-breaker');
${checks}
require('node:fs').writeFileSync(__dirname + '/loaded-cjs.txt', Object.keys(require.cache).join('\\n'));
console.log(JSON.stringify(results));
`,
  );
  const expected = {
    consumerError: true,
    testing: true,
    redis: true,
    dynamodb: true,
    consumer: true,
    circuit: true,
    redisCircuit: true,
    dynamodbCircuit: true,
    sqs: true,
    circuitOpenError: true,
    largePayloadError: true,
    largePayloads: true,
  };
  for (const [file, list] of [
    ['identity.mjs', 'loaded-esm.txt'],
    ['identity.cjs', 'loaded-cjs.txt'],
  ]) {
    const results = JSON.parse(run(process.execPath, [file], app).trim().split('\n').at(-1));
    assert.deepEqual(results, expected, `${file}: ${JSON.stringify(results)}`);
    const loaded = [
      ...new Set(
        readFileSync(join(app, list), 'utf8')
          .split('\n')
          .filter((entry) => entry.includes('/node_modules/sqs-partial-batch/dist/'))
          .map((entry) => (entry.startsWith('file:') ? fileURLToPath(entry) : entry)),
      ),
    ];
    const withEngine = loaded.filter((path) => readFileSync(path, 'utf8').includes(ENGINE_MARKER));
    assert.equal(
      withEngine.length,
      1,
      `${file}: the engine's code is in ${withEngine.length} loaded files: ${withEngine}`,
    );
  }
  console.log(
    'identity: every entry in one process loads the engine from one file and shares the error classes (ESM, CommonJS); largePayloads works without its entry',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
