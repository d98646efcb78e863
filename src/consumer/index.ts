export { type Consumer, createConsumer } from './createConsumer.js';
export { ConsumerQueueError, ShutdownTimeoutError, VisibilityLostError } from './errors.js';
export { CONSUMER_DEFAULTS, type ConsumerOptions } from './options.js';
export type { ConsumerState, ConsumerStatus } from './status.js';
