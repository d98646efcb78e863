import type { SQSRecord } from 'aws-lambda';
import type { ParseFailure } from '../parse.js';
import { messageGroupIdOf, receiveCountOf } from '../recordFields.js';
import type { BatchRecord } from '../types.js';

/** Bodies read before the run (phase 2): a record, or why its body could not be read. */
export type ParsedBodies = Array<BatchRecord<unknown> | ParseFailure | undefined>;

/** The record as the user's function sees it. */
export function toBatchRecord(raw: SQSRecord, messageId: string, body: unknown): BatchRecord<unknown> {
  return {
    body,
    messageId,
    receiveCount: receiveCountOf(raw),
    messageGroupId: messageGroupIdOf(raw),
    raw,
  };
}
