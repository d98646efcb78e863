import type { Feature } from './contracts/hooks.js';
import { describeError, InvalidOptionsError } from './errors.js';
import { describeValue } from './optionChecks.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { ProcessRecord } from './types.js';
import { isInstance } from './util.js';

/** What a handler is made of: its checked options, the user's function and the features its options turned on. */
export interface Engine {
  readonly options: ResolvedOptions;
  readonly processRecord: ProcessRecord<unknown>;
  readonly features: readonly Feature[];
  /**
   * Whether the caller reads each success's own outcome (the processor
   * returns them all). The handler only counts successes, so they share one
   * outcome object: on a large batch, nothing per success outlives its record.
   */
  readonly keepsSuccesses: boolean;
}

/** How an entry point asks for its engine. */
export interface EngineSettings {
  /** The option names this entry point accepts; every shared option when absent. */
  readonly allowedKeys?: readonly string[];
  /** See {@link Engine.keepsSuccesses}. */
  readonly keepsSuccesses: boolean;
}

/** Checks the function and the options, once, at creation, and turns on the features the options ask for. */
export function createEngine(processRecord: unknown, options: unknown, settings: EngineSettings): Engine {
  checkProcessRecord(processRecord);
  let resolved: ResolvedOptions;
  try {
    resolved = resolveOptions(options, settings.allowedKeys);
  } catch (error) {
    if (isInstance(error, InvalidOptionsError)) throw error;
    // Options that throw when read (a getter, a proxy): still a clear, typed error at creation.
    throw new InvalidOptionsError(`The options could not be read: ${describeError(error)}`, { cause: error });
  }
  return {
    options: resolved,
    processRecord: processRecord as ProcessRecord<unknown>,
    features: resolved.features,
    keepsSuccesses: settings.keepsSuccesses,
  };
}

/** Throws `InvalidOptionsError` unless `processRecord` is a function. */
export function checkProcessRecord(processRecord: unknown): void {
  if (typeof processRecord !== 'function') {
    throw new InvalidOptionsError(`Expected \`processRecord\` to be a function, got ${describeValue(processRecord)}`);
  }
}
