// examples/idempotency-redis.ts bundled exactly as examples/sam/template.yaml
// says (its esbuild BuildProperties), then run in a fresh Node.js process
// against Redis: ioredis is CommonJS, and an ESM bundle without a
// createRequire banner throws at import ("Dynamic require of "events" is not
// supported"). Also checks that the ESM settings docs/deployment.md gives work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/cli/load.js';
import { skipRedis } from '../helpers/backends.js';
import { REDIS_URL, runTag } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/idempotency-redis.ts');
const TEMPLATE = join(ROOT, 'examples/sam/template.yaml');

/** The banner docs/deployment.md gives for ESM bundles. */
const ESM_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** SAM's esbuild BuildProperties, as esbuild options (the properties SAM documents). */
async function samBuildOptions(): Promise<BuildOptions> {
  const { body } = await loadTemplate(TEMPLATE);
  // biome-ignore lint/suspicious/noExplicitAny: template data
  const props = (body.Resources as any).OrdersConsumer.Metadata.BuildProperties as Record<string, unknown>;
  const known = ['Format', 'Target', 'Minify', 'External', 'EntryPoints', 'OutExtension', 'Sourcemap', 'MainFields'];
  for (const key of Object.keys(props)) if (!known.includes(key)) throw new Error(`unmapped BuildProperty ${key}`);
  const outExtension = Object.fromEntries(
    ((props.OutExtension as string[] | undefined) ?? []).map((pair) => pair.split('=') as [string, string]),
  );
  return {
    bundle: true,
    platform: 'node',
    format: props.Format as NonNullable<BuildOptions['format']>,
    target: props.Target as string,
    minify: props.Minify as boolean,
    external: props.External as string[],
    sourcemap: (props.Sourcemap as boolean | undefined) ?? false,
    ...(props.MainFields ? { mainFields: String(props.MainFields).split(',') } : {}),
    ...(Object.keys(outExtension).length > 0 ? { outExtension } : {}),
  };
}

const skip = await skipRedis();

describe.skipIf(skip)('examples/idempotency-redis.ts, bundled for Lambda', () => {
  let dir: string;
  // One order per bundle, so the runs do not see each other's completed keys (in any order).
  const orderOf = (name: string) => `${runTag()}-${name}-order`;
  const keys: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'redis-bundle-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  /** Bundles the example with `options`, runs the same message twice in a fresh process, and answers its output. */
  async function bundleAndRun(name: string, options: BuildOptions) {
    const orderId = orderOf(name);
    keys.push(`orders:idempotency:charge:${orderId}`);
    const extension = options.format === 'esm' ? '.mjs' : '.js';
    const outfile = join(dir, `${name}${extension}`);
    const { outExtension: _ignored, ...settings } = options; // the runner names the file itself
    await build({
      ...settings,
      entryPoints: [EXAMPLE],
      outfile,
      logLevel: 'error',
      // The package from its source, as a user's node_modules would give its build.
      alias: {
        'sqs-partial-batch/redis': join(ROOT, 'src/stores/redis.ts'),
        'sqs-partial-batch/sqs': join(ROOT, 'src/sqsEntry.ts'),
        'sqs-partial-batch': join(ROOT, 'src/index.ts'),
      },
    });
    const runner = join(dir, `${name}-run.mjs`);
    writeFileSync(
      runner,
      `import { createRequire } from 'node:module';
const load = ${options.format === 'esm' ? `() => import(${JSON.stringify(outfile)})` : `async () => createRequire(import.meta.url)(${JSON.stringify(outfile)})`};
const { handler } = await load();
const record = (id) => ({ messageId: id, receiptHandle: 'r', body: JSON.stringify({ orderId: ${JSON.stringify(orderId)}, amountCents: 1250 }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 's', ApproximateFirstReceiveTimestamp: '1' },
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders', awsRegion: 'eu-west-1' });
const context = { getRemainingTimeInMillis: () => 30000, functionName: 'f', awsRequestId: 'a' };
const first = await handler({ Records: [record('m-1')] }, context);
const second = await handler({ Records: [record('m-2')] }, context);
console.log(JSON.stringify({ first, second }));
process.exit(0);
`,
    );
    return spawnSync(process.execPath, [runner], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, REDIS_URL, LOG_LEVEL: 'silent' },
    });
  }

  it('runs as the SAM template builds it: the second delivery of the order is a duplicate', async () => {
    const options = await samBuildOptions();

    const run = await bundleAndRun('sam', options);

    expect(run.stderr).not.toContain('Dynamic require');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    // The example logs each charge: once, though the order came twice.
    expect(lines.filter((l) => l.startsWith('charging 1250'))).toHaveLength(1);
    expect(JSON.parse(lines.at(-1) as string)).toEqual({
      first: { batchItemFailures: [] },
      second: { batchItemFailures: [] },
    });
  });

  it('as ESM it needs the createRequire banner: without it the import throws, with it it runs', async () => {
    const esm: BuildOptions = { ...(await samBuildOptions()), format: 'esm' };

    const bare = await bundleAndRun('esm-bare', esm);
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('Dynamic require of "events" is not supported');

    const fixed = await bundleAndRun('esm-banner', { ...esm, banner: { js: ESM_BANNER } });
    expect(fixed.stderr).toBe('');
    expect(fixed.status).toBe(0);
  });
});
