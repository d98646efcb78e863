import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { TemplateError } from './errors.js';

/**
 * The largest input read: five times CloudFormation's own limit on a template (1 MB from S3), so any
 * template it accepts fits, and a 50 MB file is refused before it is read rather than parsed into gigabytes.
 */
export const MAX_INPUT_BYTES = 5 * 1024 * 1024;

/** `-` on the command line: the input is standard input. */
export const STDIN = '-';
/** The name standard input has in messages and reports. */
export const STDIN_LABEL = '<stdin>';

/** What is read before deciding how to parse: the text, and the file it came from. */
export interface Input {
  readonly file: string;
  readonly text: string;
}

/**
 * Reads a template: a regular file, or standard input for `-`. Anything else (a named pipe, a device, a
 * directory) is refused without waiting on it; so is a file over {@link MAX_INPUT_BYTES}, a binary file
 * and UTF-16 text. A UTF-8 byte-order mark is dropped, as CloudFormation drops it.
 *
 * @throws {TemplateError} with a one-line reason.
 */
export async function readInput(file: string, stdin: AsyncIterable<Uint8Array> = process.stdin): Promise<Input> {
  const bytes = file === STDIN ? await readStream(stdin) : await readRegularFile(file);
  const label = file === STDIN ? STDIN_LABEL : file;
  return { file: label, text: decode(label, bytes) };
}

async function readRegularFile(file: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a named pipe with no writer returns at once instead of waiting for one.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new TemplateError(file, readFailure(error), undefined, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new TemplateError(file, 'is a directory, not a template file');
    if (!stat.isFile())
      throw new TemplateError(file, `is ${kindOf(stat)}, not a regular file (use - for standard input)`);
    if (stat.size > MAX_INPUT_BYTES) throw new TemplateError(file, tooLarge(stat.size));
    return await handle.readFile();
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(file, readFailure(error), undefined, { cause: error });
  } finally {
    await handle.close();
  }
}

async function readStream(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > MAX_INPUT_BYTES) throw new TemplateError(STDIN_LABEL, tooLarge(MAX_INPUT_BYTES, 'more than'));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** UTF-8 text, or a one-line reason why the bytes are not a template. */
function decode(file: string, bytes: Buffer): string {
  if (bytes.length === 0) throw new TemplateError(file, 'is empty');
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || utf16Pattern(bytes)) {
    throw new TemplateError(file, 'is UTF-16 text; save it as UTF-8, as CloudFormation requires');
  }
  if (bytes.subarray(0, 8192).includes(0)) throw new TemplateError(file, 'is a binary file, not a template');
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** UTF-16 without a byte-order mark: ASCII text with every other byte zero. */
function utf16Pattern(bytes: Buffer): boolean {
  if (bytes.length < 4) return false;
  const even = bytes[0] === 0 && bytes[2] === 0 && bytes[1] !== 0 && bytes[3] !== 0;
  const odd = bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0 && bytes[2] !== 0;
  return even || odd;
}

function tooLarge(size: number, prefix = ''): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `is ${prefix ? `${prefix} ` : ''}${mb(size)}; the check reads at most ${mb(MAX_INPUT_BYTES)} (CloudFormation's limit is 1 MB)`;
}

function kindOf(stat: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean }): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a device';
  return 'not a file';
}

/** The reason a file cannot be opened or read, in a few words. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a template file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read: ${(error as Error).message}`;
}
