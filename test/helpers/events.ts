export { lambdaContext, sqsEvent, sqsRecord } from '../../src/testing/index.js';

/** A promise with its resolve and reject exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Message ids of a response, in order. */
export function failedIds(response: { batchItemFailures: ReadonlyArray<{ itemIdentifier: string }> }): string[] {
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

/** Lets every queued microtask and immediate run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
