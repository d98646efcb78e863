import { largePayloadsReader } from './readerImpl.js';
import { registerLargePayloads } from './registry.js';

/**
 * Registers the large-payload reader eagerly, for every handler, processor
 * and consumer of the process: the `sqs-partial-batch/large-payloads` entry
 * calls it when imported, the consumer when created. Without it, the core
 * imports the reader on demand.
 */
export function registerReader(): void {
  registerLargePayloads(largePayloadsReader);
}
