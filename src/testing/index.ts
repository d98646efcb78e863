export { type LambdaContextOptions, lambdaContext, type SqsEventOptions, sqsEvent, sqsRecord } from './builders.js';
export { VirtualClock } from './clock.js';
export type { QueueSimulatorOptions, RunOptions, SendOptions } from './options.js';
export type { SimulatedMessage } from './queue.js';
export {
  type BatchLogEntry,
  type InvocationResult,
  QueueSimulator,
  type SimulatedHandler,
  type SimulationResult,
} from './simulator.js';
