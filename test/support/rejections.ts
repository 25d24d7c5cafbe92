/**
 * Unhandled promise rejections seen while a test body runs. Mocha re-emits them on `process`, so
 * a listener here hears every one — whatever `--unhandled-rejections` mode the run uses — and the
 * test can fail with what was left unobserved instead of passing silently.
 */
export async function withoutUnhandledRejections<T>(body: () => Promise<T>, settleMs = 50): Promise<T> {
  // A Set: mocha re-emits each rejection, so a listener may hear the same one twice.
  const seen = new Set<unknown>();
  const listener = (reason: unknown): void => {
    seen.add(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    const result = await body();
    // A rejection is reported once the microtask queue drains; let it.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    if (seen.size > 0) {
      const [reason] = seen;
      const first = reason instanceof Error ? reason.message : String(reason);
      throw new Error(`${seen.size} promise rejection(s) nobody observed; the first: ${first}`);
    }
    return result;
  } finally {
    process.removeListener('unhandledRejection', listener);
  }
}
