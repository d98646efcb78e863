// The call shape Lambda uses: a context on every invocation, batches of the
// event source mapping's default size, and some failing records.
import type { Context, SQSEvent } from 'aws-lambda';
import { sqsEvent } from '../../src/testing/index.js';

/** How records of a batch fail. */
export type Mix = 'all valid' | '6% failing' | 'one invalid JSON' | 'all invalid JSON';

/** Bodies a record function turns into a thrown error. */
export const DECLINED = 'declined';

/**
 * A context shaped like the Node.js runtime's: a fresh object per
 * invocation, whose `getRemainingTimeInMillis()` computes the time left from
 * the deadline and the wall clock on every call, as Lambda's does.
 */
export function lambdaContext(budgetMs = 30_000): Context {
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'orders',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: '/aws/lambda/orders',
    logStreamName: '2026/11/28/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Events of `size` orders, enough of them to hold about 500 records, so that
 * a 6% failure rate is exact over the set even on batches of 10. Failing
 * records: a third invalid JSON, a third failing the schema (a negative
 * amount), a third thrown by the record function (customer `declined`),
 * spread by a fixed pattern. `one invalid JSON`: the middle record of every
 * event is cut-off JSON, the others valid.
 */
export function eventsFor(size: number, mix: Mix): { events: SQSEvent[]; failing: number } {
  const count = Math.max(1, Math.ceil(500 / size));
  const total = count * size;
  const failingTotal =
    mix === 'all valid'
      ? 0
      : mix === 'all invalid JSON'
        ? total
        : mix === 'one invalid JSON'
          ? count
          : Math.round(total * 0.06);
  // Spread the failures evenly over the whole set of records (one per event: its middle record).
  const failAt = new Set<number>();
  for (let k = 0; k < failingTotal; k++) failAt.add(Math.floor((k * total) / failingTotal + total / failingTotal / 2));
  const events: SQSEvent[] = [];
  let n = 0;
  let failed = 0;
  for (let e = 0; e < count; e++) {
    const bodies: unknown[] = [];
    for (let i = 0; i < size; i++, n++) {
      const order = {
        orderId: `order-${n}`,
        customerId: `customer-${n % 97}`,
        amountCents: 100 + (n % 500),
        currency: 'EUR',
      };
      if (!failAt.has(n)) {
        bodies.push(order);
        continue;
      }
      const kind = mix === 'all invalid JSON' || mix === 'one invalid JSON' ? 0 : failed % 3;
      failed++;
      if (kind === 0)
        bodies.push(`${JSON.stringify(order).slice(0, -1)},`); // cut off: not JSON
      else if (kind === 1) bodies.push({ ...order, amountCents: -1 });
      else bodies.push({ ...order, customerId: DECLINED });
    }
    events.push(sqsEvent(bodies));
  }
  return { events, failing: failed };
}
