import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './cases.js';
import { ensureBuilt, runBin } from './runBin.js';

// An endpoint that accepts every connection and never answers, as a black-holed proxy does.
let server: Server;
const sockets = new Set<Socket>();
let connections = 0;
let endpoint: string;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  ensureBuilt();
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const env = () => ({
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL: endpoint,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

describe('check --live against an endpoint that never answers', () => {
  it('gives up after --timeout with exit 2 and one line', async () => {
    const started = performance.now();
    const run = await runBin(['check', '--live', '--timeout', '1', '--format', 'json'], { env: env() });
    const elapsed = performance.now() - started;
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('sqs-partial-batch: AWS did not answer within 1 s; gave up (--timeout sets the limit)\n');
    expect(JSON.parse(run.stdout).live).toEqual({
      sources: 0,
      error: 'AWS did not answer within 1 s; gave up (--timeout sets the limit)',
    });
    // The connection was made: the limit, not a refused connection, ended the run.
    expect(connections).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5000);
  });

  it.each([
    [['--live', '--timeout', '0'], /Expected `--timeout` to be a number of seconds between 0 and 3600, got `0`/],
    [['--live', '--timeout', 'soon'], /got `soon`/],
    [['--live', '--timeout', '7200'], /got `7200`/],
    [['t.yaml', '--timeout', '5'], /`--timeout` needs `--live`/],
  ])('refuses %j as usage (exit 2)', async (args, message) => {
    const run = await runInProcess(['check', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
