import fc from 'fast-check';

/**
 * Property-based fuzz tests (fast-check): each property runs a bounded number of times, sized to
 * take a few seconds in `npm test`. For a longer hunt, FUZZ_RUNS=n runs every property n times and
 * FUZZ_RUNS=10x ten times its default (mocha's timeout is lifted then), e.g.
 * `FUZZ_RUNS=20000 npm run test:fuzz-js`. A failure prints its seed and path; FUZZ_SEED=<seed>
 * replays the same sequence.
 */
export function fuzzRuns(defaultRuns: number): number {
  const setting = process.env.FUZZ_RUNS ?? '';
  const factor = /^(\d+(?:\.\d+)?)x$/.exec(setting);
  if (factor) return Math.max(1, Math.round(defaultRuns * Number(factor[1])));
  const requested = Number(setting);
  return setting !== '' && Number.isInteger(requested) && requested > 0 ? requested : defaultRuns;
}

function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(defaultRuns), ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** An `it` whose body checks one property `defaultRuns` times (FUZZ_RUNS overrides). */
export function fuzzIt<T>(title: string, defaultRuns: number, property: () => fc.IProperty<T> | fc.IAsyncProperty<T>): void {
  it(`${title} (${fuzzRuns(defaultRuns)} runs)`, async function () {
    if (process.env.FUZZ_RUNS) this.timeout(0);
    const prop = property();
    if (prop.isAsync()) await fc.assert(prop as fc.IAsyncProperty<T>, fuzzParameters(defaultRuns));
    else fc.assert(prop as fc.IProperty<T>, fuzzParameters(defaultRuns));
  });
}

/** Runs `work` and returns what it threw (undefined when it returned normally). */
export function caught(work: () => unknown): unknown {
  try {
    work();
    return undefined;
  } catch (err) {
    return err;
  }
}

export async function caughtAsync(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (err) {
    return err;
  }
}
