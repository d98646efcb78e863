export { type BatchHandler, createBatchHandler } from './createBatchHandler.js';
export { type BatchProcessor, createBatchProcessor } from './createBatchProcessor.js';
export {
  describeError,
  FullBatchFailureError,
  InvalidEventError,
  InvalidOptionsError,
  InvocationTimeoutError,
  RecordValidationError,
  SqsPartialBatchError,
  type ValidationIssue,
  type ValidationStage,
} from './errors.js';
export { type BatchHandlerOptions, type BatchProcessorOptions, DEFAULTS } from './options.js';
export type { StandardSchemaV1 } from './standardSchema.js';
export type {
  BatchLogger,
  BatchRecord,
  BatchResult,
  BodyOf,
  Envelope,
  FifoFailureMode,
  ProcessRecord,
  RecordContext,
  RecordOutcome,
  RecordStatus,
  SchemaOutput,
  SkipReason,
} from './types.js';
