/** Exit codes of `sqs-partial-batch check`. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** Bad arguments: the command cannot run as asked. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A template that cannot be read or parsed. Exit code 2. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(file: string, reason: string, position?: { line: number; column: number }, options?: ErrorOptions) {
    super(position ? `${file}:${position.line}:${position.column}: ${reason}` : `${file}: ${reason}`, options);
    this.file = file;
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** `--live` could not start: no SDK package, region or credentials, or the first API call failed. Exit code 2. */
export class LiveError extends Error {
  override readonly name = 'LiveError';
}
