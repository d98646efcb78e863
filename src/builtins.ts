import type * as NodeConsole from 'node:console';
import type * as NodeCrypto from 'node:crypto';
import { InvalidOptionsError } from './errors.js';

// Node.js built-ins the library needs only on some paths, loaded on first
// use. Imported at the top of a module, `node:crypto` alone costs every
// handler about 35 built-in modules at cold start (it pulls in streams),
// though only idempotency hashes anything. `process.getBuiltinModule`
// (Node.js 20.16 and later) loads one synchronously, in ESM as in CommonJS.

let crypto: typeof NodeCrypto | undefined;

/** `node:crypto`, loaded on first use. */
export function nodeCrypto(): typeof NodeCrypto {
  crypto ??= builtin<typeof NodeCrypto>('node:crypto');
  return crypto;
}

/** The `Console` class of `node:console`, loaded on first use. */
export function consoleClass(): typeof NodeConsole.Console {
  return builtin<typeof NodeConsole>('node:console').Console;
}

function builtin<T>(id: string): T {
  const loaded = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(id) : undefined;
  if (loaded === undefined) {
    throw new InvalidOptionsError(
      `sqs-partial-batch needs Node.js 20.16 or later (process.getBuiltinModule), running on ${process.version}`,
    );
  }
  return loaded as T;
}
