export type { CircuitSnapshot, CircuitState, CircuitStateStore } from './circuit/store.js';
export { type BatchHandler, createBatchHandler } from './createBatchHandler.js';
export { type BatchProcessor, createBatchProcessor } from './createBatchProcessor.js';
export {
  CircuitOpenError,
  describeError,
  FullBatchFailureError,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
  InvalidEventError,
  InvalidOptionsError,
  InvocationTimeoutError,
  PermanentError,
  RecordValidationError,
  ReturnedFailureError,
  SqsPartialBatchError,
  type ValidationIssue,
  type ValidationStage,
} from './errors.js';
export { backoffDelaySeconds } from './failurePolicy/backoff.js';
export type {
  BackoffOptions,
  DeadLetterOptions,
  PermanentFailureAction,
  SqsClientLike,
} from './failurePolicy/options.js';
export type { IdempotencyOptions } from './idempotency/options.js';
export type {
  ClaimResult,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyRelease,
  IdempotencyStore,
} from './idempotency/store.js';
export type { LargePayloadOptions, S3ClientLike } from './largePayloads/options.js';
export {
  METRIC_NAMES,
  type MetricsOption,
  type MetricsSink,
  QUEUE_NAME_DIMENSION,
} from './observability/metrics.js';

export { type BatchHandlerOptions, type BatchProcessorOptions, DEFAULTS } from './options.js';
export { isSuccess } from './outcomes.js';
export type { StandardSchemaV1 } from './standardSchema.js';
export { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './stores/memory.js';
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
  TracerLike,
} from './types.js';
