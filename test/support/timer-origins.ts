/**
 * Where each pending timer was created, so that a timer a test run leaves behind is reported with
 * the code that armed it rather than as "1 × Timeout". `process.getActiveResourcesInfo()` names only
 * the type; a leak that shows once in many runs (a message still on its way when a node closed)
 * must be diagnosable from the one failing log.
 *
 * The global setTimeout/setInterval are wrapped: the stack is captured as V8's structured frames and
 * formatted only when reported, so arming a timer stays cheap. Node's internal timers (sockets,
 * http) do not pass through the globals; those are counted by type only.
 */
import * as util from 'node:util';

type TimerHandle = ReturnType<typeof setTimeout>;

const pending = new Map<TimerHandle, { stack?: string }>();

/** The stack below `armedBy` (the wrapper itself is left out). */
function origin(armedBy: (...args: never[]) => unknown): { stack?: string } {
  const where: { stack?: string } = {};
  Error.captureStackTrace(where, armedBy);
  return where;
}

const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
// The overloads of setTimeout/setInterval take no spread; the wrappers pass on whatever they got.
type LooseTimerFunction = (this: unknown, callback: unknown, ms?: number, ...args: unknown[]) => TimerHandle;
const realClearTimeout = globalThis.clearTimeout;
const realClearInterval = globalThis.clearInterval;

function trackedSetTimeout(this: unknown, callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): TimerHandle {
  if (typeof callback !== 'function') return (realSetTimeout as unknown as LooseTimerFunction).call(this, callback, ms, ...args);
  const timer: TimerHandle = realSetTimeout(
    function (this: unknown, ...callArgs: unknown[]) {
      pending.delete(timer);
      callback.apply(this, callArgs);
    },
    ms,
    ...args,
  );
  pending.set(timer, origin(trackedSetTimeout));
  return timer;
}
(trackedSetTimeout as unknown as Record<symbol, unknown>)[util.promisify.custom] = (realSetTimeout as unknown as Record<symbol, unknown>)[
  util.promisify.custom
];

function trackedSetInterval(this: unknown, callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): TimerHandle {
  const timer = (realSetInterval as unknown as LooseTimerFunction).call(this, callback, ms, ...args);
  pending.set(timer, origin(trackedSetInterval));
  return timer;
}

function trackedClear(real: (timer?: TimerHandle) => void) {
  return (timer?: TimerHandle | string | number) => {
    if (timer !== undefined && typeof timer === 'object') pending.delete(timer);
    real(timer as TimerHandle);
  };
}

globalThis.setTimeout = trackedSetTimeout as unknown as typeof setTimeout;
globalThis.setInterval = trackedSetInterval as unknown as typeof setInterval;
globalThis.clearTimeout = trackedClear(realClearTimeout) as typeof clearTimeout;
globalThis.clearInterval = trackedClear(realClearInterval) as typeof clearInterval;

/** The timers pending now: what a later `pendingTimerOrigins` leaves out. */
export function pendingTimers(): Set<TimerHandle> {
  return new Set(pending.keys());
}

/** Pending timers that keep the process alive (ref'd), except `before`'s, each with the stack that armed it. */
export function pendingTimerOrigins(before: Set<TimerHandle> = new Set()): string[] {
  const origins: string[] = [];
  for (const [timer, where] of pending) {
    // `_destroyed`: closed by `timer.close()`, which does not pass through clearTimeout.
    if (before.has(timer) || !timer.hasRef() || (timer as unknown as { _destroyed?: boolean })._destroyed) continue;
    const frames = (where.stack ?? '').split('\n').slice(1, 7).join('\n');
    origins.push(`a timer armed at\n${frames}`);
  }
  return origins;
}
