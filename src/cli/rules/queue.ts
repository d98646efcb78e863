import * as fix from '../snippets.js';
import { DOCS, fixName, queueDialect, queueOf, type Rule, redriveOf, seconds, value, visibilityOf } from './rule.js';

/** Rules on the queue: visibility, redrive, dead-letter queue, retention. */
export const QUEUE_RULES: readonly Rule[] = [
  {
    id: 'visibility-timeout-below-function-timeout',
    severity: 'error',
    summary: "The queue's visibility timeout is below the function's timeout.",
    doc: DOCS.configure,
    check(s) {
      const { queue, fn, visibility, timeout, resources, fix, location } = visibilityOf(s);
      if (visibility >= timeout) return undefined;
      return {
        message: `Queue ${queue.name} has a visibility timeout of ${seconds(visibility)}, below the ${seconds(timeout)} timeout of ${fn.name}: Lambda refuses to create the mapping, or records still running become visible and run twice.`,
        resources,
        fix,
        location,
      };
    },
  },
  {
    id: 'visibility-timeout-below-guidance',
    severity: 'warning',
    summary: "The queue's visibility timeout is below 6 x the function timeout plus `MaximumBatchingWindowInSeconds`.",
    doc: DOCS.configure,
    check(s) {
      const { queue, fn, visibility, timeout, window, wanted, resources, fix, location } = visibilityOf(s);
      if (visibility >= wanted || visibility < timeout) return undefined;
      return {
        message: `Queue ${queue.name} has a visibility timeout of ${seconds(visibility)}, below AWS's guidance of 6 x the ${seconds(timeout)} timeout of ${fn.name} plus the ${seconds(window)} batching window (${seconds(wanted)}): a batch retried after throttling can become visible again while it still runs.`,
        resources,
        fix,
        location,
      };
    },
  },
  {
    id: 'no-redrive-policy',
    severity: 'warning',
    summary: 'The source queue has no redrive policy (no dead-letter queue).',
    doc: DOCS.retries,
    check(s) {
      const queue = queueOf(s);
      if (redriveOf(s) !== undefined) return undefined;
      return {
        message: `Queue ${queue.name} has no redrive policy: a message that always fails is retried until its retention period ends, then deleted.`,
        resources: [queue.name],
        fix: fix.redrivePolicy(queueDialect(s.dialect), fixName(s.dialect, queue), value(queue.fifo)),
        location: queue.location,
      };
    },
  },
  {
    id: 'max-receive-count-below-5',
    severity: 'warning',
    summary: "The redrive policy's `maxReceiveCount` is below 5.",
    doc: DOCS.retries,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const count = value(redrive.maxReceiveCount);
      if (count >= 5) return undefined;
      const queue = queueOf(s);
      return {
        message: `Queue ${queue.name} moves a message to its dead-letter queue after ${count} receive${count === 1 ? '' : 's'}: throttled and briefly failing batches use receives too, so good messages reach the dead-letter queue (AWS recommends at least 5 for Lambda).`,
        resources: [queue.name],
        fix: fix.maxReceiveCount(queueDialect(s.dialect), fixName(s.dialect, queue)),
        location: redrive.location,
      };
    },
  },
  {
    id: 'dead-letter-retention',
    severity: 'warning',
    summary: "A standard queue's dead-letter queue does not keep messages longer than the source queue.",
    doc: DOCS.dlqRetention,
    check(s) {
      const redrive = redriveOf(s);
      const queue = queueOf(s);
      // A FIFO queue resets a message's enqueue time when it moves it to the dead-letter queue.
      if (!redrive || value(queue.fifo)) return undefined;
      const dlq = value(redrive.deadLetterQueue);
      const source = value(queue.retentionPeriod);
      const kept = value(dlq.retentionPeriod);
      if (kept > source) return undefined;
      return {
        message: `Dead-letter queue ${dlq.name} keeps messages ${seconds(kept)}, not longer than the ${seconds(source)} of ${queue.name}: a message's age counts from its first enqueue, so it can expire soon after it is moved.`,
        resources: [dlq.name, queue.name],
        fix: fix.deadLetterRetention(
          queueDialect(s.dialect),
          fixName(s.dialect, dlq),
          fixName(s.dialect, queue),
          source,
          kept,
        ),
        location: dlq.location,
      };
    },
  },
  {
    id: 'dead-letter-queue-type',
    severity: 'error',
    summary: 'A FIFO queue has a standard dead-letter queue, or a standard queue a FIFO one.',
    doc: DOCS.dlqType,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const queue = queueOf(s);
      const dlq = value(redrive.deadLetterQueue);
      const fifo = value(queue.fifo);
      if (fifo === value(dlq.fifo)) return undefined;
      return {
        message: `${queue.name} is a ${fifo ? 'FIFO' : 'standard'} queue but its dead-letter queue ${dlq.name} is a ${fifo ? 'standard' : 'FIFO'} queue: SQS rejects the redrive policy, since both must be of the same type.`,
        resources: [queue.name, dlq.name],
        fix: fix.queueType(queueDialect(s.dialect), fixName(s.dialect, dlq), fifo),
        location: dlq.location,
      };
    },
  },
  {
    id: 'retention-below-retries',
    severity: 'warning',
    summary: "The source queue's retention is shorter than `maxReceiveCount` x its visibility timeout.",
    doc: DOCS.retries,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const queue = queueOf(s);
      const needed = value(redrive.maxReceiveCount) * value(queue.visibilityTimeout);
      const retention = value(queue.retentionPeriod);
      if (retention >= needed) return undefined;
      return {
        message: `Queue ${queue.name} keeps messages ${seconds(retention)}, but a message that keeps failing needs at least ${seconds(needed)} (maxReceiveCount x visibility timeout) to reach the dead-letter queue: it is deleted first.`,
        resources: [queue.name],
        fix: fix.queueAttribute(
          queueDialect(s.dialect),
          fixName(s.dialect, queue),
          'MessageRetentionPeriod',
          Math.min(1_209_600, needed * 2),
        ),
        location: queue.location,
      };
    },
  },
];
