/**
 * Values that are synchronous when the answer is already in memory (a cached register, a literal,
 * a chunk) and a Promise only when the device must be asked. Evaluating a feature through a chain
 * of nodes then costs no microtask per node on the cached path, which is what makes cached reads
 * fast; the public API still always returns a Promise.
 */
export type MaybePromise<T> = T | Promise<T>;

export function then<T, U>(value: MaybePromise<T>, next: (resolved: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

export function all<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  for (const value of values) {
    if (value instanceof Promise) return Promise.all(values);
  }
  return values as T[];
}

/** Runs `steps` one after another (each may be async), stopping at the first rejection. */
export function sequence(steps: (() => MaybePromise<void>)[]): MaybePromise<void> {
  let index = 0;
  const run = (): MaybePromise<void> => {
    while (index < steps.length) {
      const result = steps[index++]();
      if (result instanceof Promise) return result.then(run);
    }
    return undefined;
  };
  return run();
}
