/** Values that break the usual assumptions about thenables, errors and objects. */

/** A thenable whose `then` throws when called. */
export function throwingThenable(): PromiseLike<never> {
  const then = (): never => {
    throw new Error('then threw');
  };
  return { then } as unknown as PromiseLike<never>;
}

/** An object whose `then` getter throws: merely asking whether it is a thenable throws. */
export function thenGetterThrows(): object {
  return Object.defineProperty({}, 'then', {
    enumerable: true,
    get(): never {
      throw new Error('then getter threw');
    },
  });
}

/** A revoked proxy: every operation on it throws, `instanceof` and property reads included. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** An error whose `message` getter throws. */
export function errorWithThrowingMessage(): Error {
  return new (class extends Error {
    override get message(): string {
      throw new Error('message getter threw');
    }
  })();
}

/** An error whose `name` getter throws. */
export function errorWithThrowingName(): Error {
  return new (class extends Error {
    override get name(): string {
      throw new Error('name getter threw');
    }
  })('named');
}

/**
 * A promise that never settles. A fresh one each time, so the callbacks a run
 * attaches to it are collected with the run instead of piling up on a shared one.
 */
export function never(): Promise<never> {
  return new Promise<never>(() => {});
}
