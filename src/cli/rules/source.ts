import * as fix from '../snippets.js';
import { DEPRECATED_NODE_RUNTIMES, DOCS, fixName, functionOf, queueOf, type Rule, value } from './rule.js';

/** Rules on how the source is written: the queue named by its URL, the runtime, SAM's transform. */
export const SOURCE_RULES: readonly Rule[] = [
  {
    id: 'event-source-is-queue-url',
    severity: 'error',
    summary: "The event source names the queue's URL (`!Ref Queue`), not its ARN.",
    doc: DOCS.samSqs,
    check(s) {
      if (s.queueUrl === undefined) return undefined;
      const queue = queueOf(s);
      return {
        message: `The event source names ${s.queueUrl}, the queue's URL: an SQS event source takes the queue's ARN, and CloudFormation rejects the deployment.`,
        resources: [s.id, queue.name],
        fix: fix.queueArn(s, queue.name),
      };
    },
  },
  {
    id: 'deprecated-runtime',
    severity: 'warning',
    summary: 'The function runs on a deprecated Node.js runtime (`nodejs18.x`, `nodejs20.x` or older).',
    doc: DOCS.runtimes,
    check(s) {
      const fn = functionOf(s);
      const runtime = value(fn.runtime);
      if (runtime === undefined || !DEPRECATED_NODE_RUNTIMES.has(runtime)) return undefined;
      return {
        message: `${fn.name} runs on ${runtime}, which Lambda has deprecated: it gets no security patches, and Lambda later blocks creating and then updating such functions.`,
        resources: [fn.name],
        fix: fix.runtime(s.dialect, fixName(s.dialect, fn)),
        location: fn.location,
      };
    },
  },
  {
    id: 'sam-transform-missing',
    severity: 'info',
    summary: 'A template with `AWS::Serverless::Function` resources lacks `Transform: AWS::Serverless-2016-10-31`.',
    doc: DOCS.samTransform,
    check(s) {
      if (!s.transformMissing) return undefined;
      return {
        message:
          'The template has no Transform: AWS::Serverless-2016-10-31, so CloudFormation cannot deploy its AWS::Serverless::Function; it was checked as SAM (a fragment, or a test fixture?).',
        resources: [s.id],
        fix: fix.samTransform(),
      };
    },
  },
];
