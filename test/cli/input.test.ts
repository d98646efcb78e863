import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/cli/errors.js';
import { readInput } from '../../src/cli/input.js';

const dir = mkdtempSync(join(tmpdir(), 'spb-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

const refusal = async (file: string, stdin?: AsyncIterable<Uint8Array>): Promise<string> => {
  try {
    await readInput(file, stdin);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as Error).message;
  }
  throw new Error(`${file} was read`);
};

describe('reading a template', () => {
  it('reads standard input for `-`, and refuses it empty', async () => {
    expect(await readInput('-', chunks('Resources:', '\n  Q: { Type: AWS::SQS::Queue }\n'))).toMatchObject({
      text: 'Resources:\n  Q: { Type: AWS::SQS::Queue }\n',
    });
    expect(await refusal('-', chunks())).toMatch(/is empty$/);
  });

  it('refuses standard input past the size limit, as it reads', async () => {
    const big = 'x'.repeat(1024 * 1024);
    expect(await refusal('-', chunks(...Array.from({ length: 6 }, () => big)))).toMatch(/is more than [\d.]+ MB/);
  });

  it('tells UTF-16 without a byte-order mark, in either byte order, and drops a UTF-8 one', async () => {
    const little = join(dir, 'le.yaml');
    writeFileSync(little, Buffer.from('Resources: {}\n', 'utf16le'));
    expect(await refusal(little)).toMatch(/is UTF-16 text/);
    const big = join(dir, 'be.yaml');
    writeFileSync(big, Buffer.from('Resources: {}\n', 'utf16le').swap16());
    expect(await refusal(big)).toMatch(/is UTF-16 text/);
    const bom = join(dir, 'bom.yaml');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Resources: {}\n')]));
    expect((await readInput(bom)).text).toBe('Resources: {}\n');
  });

  it('says what a device is, and why a socket or a missing file cannot be read, in one line', async () => {
    expect(await refusal('/dev/null')).toMatch(/is a device, not a regular file/);
    const path = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(await refusal(path)).toMatch(/cannot be read: ENXIO/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await refusal(join(dir, 'missing.yaml'))).not.toMatch(/\n/);
  });
});
