import { registerReader } from './register.js';

// The `sqs-partial-batch/large-payloads` entry: importing it lets `largePayloads` work in
// createBatchHandler and createBatchProcessor (a side effect, declared in package.json's `sideEffects`).
registerReader();

export { LargePayloadError } from './errors.js';
export { LARGE_PAYLOAD_DEFAULTS, type LargePayloadOptions, type S3ClientLike } from './options.js';
export {
  LEGACY_POINTER_CLASS,
  LEGACY_SIZE_ATTRIBUTE,
  POINTER_CLASS,
  type S3Pointer,
  SIZE_ATTRIBUTE,
} from './pointer.js';
