export { lambdaContext, type SqsEventOptions, sqsEvent, sqsRecord } from './builders.js';
export { VirtualClock } from './clock.js';
export type { SimulatedMessage } from './queue.js';
export {
  type BatchLogEntry,
  type InvocationResult,
  QueueSimulator,
  type QueueSimulatorOptions,
  type RunOptions,
  type SimulatedHandler,
  type SimulationResult,
} from './simulator.js';
