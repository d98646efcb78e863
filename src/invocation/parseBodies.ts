import type { SQSRecord } from 'aws-lambda';
import { ParseFailure, PendingParse } from '../parse.js';
import type { Invocation } from './invocation.js';
import { type ParsedBodies, toBatchRecord } from './records.js';

/**
 * Phase 2, parse every body up front. Only with idempotency: the keys of a
 * batch are claimed together (phase 3), and a key comes from the body.
 * Without idempotency each body is read when its record starts instead
 * (phase 4). Waits only for schemas that validate asynchronously, and for
 * payloads offloaded to S3 (`largePayloads`), fetched at most `concurrency`
 * at a time.
 */
export function parseBodies(invocation: Invocation): ParsedBodies | Promise<ParsedBodies> {
  const { records, ids, count } = invocation;
  const parsed: ParsedBodies = new Array(count);
  let pending: Array<Promise<void>> | undefined;
  const accept = (index: number, body: unknown): void => {
    parsed[index] =
      body instanceof ParseFailure ? body : toBatchRecord(records[index] as SQSRecord, ids[index] as string, body);
  };
  for (let index = 0; index < count; index++) {
    const body = invocation.readBody(index);
    if (body instanceof PendingParse) {
      pending ??= [];
      pending.push(body.promise.then((read) => accept(index, read)));
    } else {
      accept(index, body);
    }
  }
  return pending === undefined ? parsed : Promise.all(pending).then(() => parsed);
}
