import { vi } from 'vitest';

/**
 * Captures what is written to process.stdout and process.stderr, line by
 * line, until `restore()`. The default logger and the EMF writer write there
 * directly (not through the global console).
 */
export function captureOutput(): { stdout: string[]; stderr: string[]; restore(): void } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }),
  ];
  return {
    stdout,
    stderr,
    restore() {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Runs `fn` with `LOG_LEVEL` set (the default logger reads it when a handler is created). */
export function withLogLevel<T>(level: string, fn: () => T): T {
  const before = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = level;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = before;
  }
}
