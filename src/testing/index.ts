export { lambdaContext, type SqsEventOptions, sqsEvent, sqsRecord } from './builders.js';
