// The `sqs-partial-batch/sqs` entry: the SQS helpers the engine uses (`sqs.ts`, imported lazily by the
// core) and, apart from them, `sendMessages` for producers, which the core never loads.

export {
  type MessageToSend,
  type SendLargePayloadOptions,
  type SendMessagesOptions,
  type SendOutcome,
  sendMessages,
} from './sendMessages.js';
export {
  changeVisibility,
  DEAD_LETTER_ATTRIBUTES,
  type DeadLetterEntry,
  deleteMessages,
  type FailedEntry,
  loadSqsSdk,
  queueUrlOf,
  sendToQueue,
} from './sqs.js';
