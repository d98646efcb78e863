import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sqsEvent } from '../helpers/events.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../helpers/loadedModules.mjs', import.meta.url));
const sources = new URL('../../src/index.ts', import.meta.url).href;

/** Every module a fresh process resolves while it creates and runs a handler from the sources. */
async function modulesLoaded(mode: 'none' | 'tracer'): Promise<{ response: unknown; resolved: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, sources, mode], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

const isOpenTelemetry = (url: string) => url.includes('/node_modules/@opentelemetry/');
const isOurTracing = (url: string) => url.endsWith('/src/observability/spans.ts');

describe('loading on demand', () => {
  it('a handler without `tracer` loads no OpenTelemetry code, ours or the API', async () => {
    const { response, resolved } = await modulesLoaded('none');
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(resolved.some((url) => url.endsWith('/src/index.ts'))).toBe(true);
    expect(resolved.filter(isOpenTelemetry)).toEqual([]);
    expect(resolved.filter(isOurTracing)).toEqual([]);
  });

  it('a handler with `tracer` loads both (the check above would see them)', async () => {
    const { response, resolved } = await modulesLoaded('tracer');
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(resolved.filter(isOurTracing)).toHaveLength(1);
    expect(resolved.some(isOpenTelemetry)).toBe(true);
  });
});

describe('tracing without @opentelemetry/api installed', () => {
  afterEach(() => {
    vi.doUnmock('@opentelemetry/api');
    vi.resetModules();
  });

  it('logs one error that says what to install, and runs every record without spans', async () => {
    vi.resetModules();
    vi.doMock('@opentelemetry/api', () => {
      throw new Error("Cannot find package '@opentelemetry/api'");
    });
    const { createBatchHandler } = await import('../../src/index.js');
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const tracer = { startSpan: vi.fn(), startActiveSpan: vi.fn() };
    const seen: string[] = [];
    const handler = createBatchHandler((record) => void seen.push(record.body), { tracer, logger });

    expect(await handler(sqsEvent(['a', 'b']))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent(['c']))).toEqual({ batchItemFailures: [] });

    expect(seen).toEqual(['a', 'b', 'c']);
    expect(tracer.startSpan).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledTimes(1);
    const [message, attributes] = logger.error.mock.calls[0] as [string, { error: Error }];
    expect(message).toBe('Tracing is off: the `tracer` option could not load its OpenTelemetry code');
    expect(attributes.error.message).toMatch(/needs @opentelemetry\/api \(npm install @opentelemetry\/api\)/);
  });
});
