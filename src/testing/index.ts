export { type LambdaContextOptions, lambdaContext, type SqsEventOptions, sqsEvent, sqsRecord } from './builders.js';
export { VirtualClock } from './clock.js';
export { type DownstreamOutage, SimulatedDownstream, type SimulatedDownstreamOptions } from './downstream.js';
export {
  createFakeSqsClient,
  type FakeSqsCall,
  type FakeSqsClient,
  type FakeSqsClientOptions,
  type FakeSqsFailure,
  type FakeSqsMessage,
} from './fakeSqs.js';
export { createMetricsRecorder, type MetricsRecorder } from './metricsRecorder.js';
export type { QueueSimulatorOptions, RunOptions, SendOptions } from './options.js';
export type { SimulatedMessage } from './queue.js';
export {
  type BatchLogEntry,
  type InvocationResult,
  QueueSimulator,
  type SimulatedHandler,
  type SimulationResult,
} from './simulator.js';
