import { GigeError } from '../errors';
import { checkTimeoutMs } from './limits';

/**
 * Callers waiting for "the next frame" (a grab, a software trigger's result). Each waiter gets the
 * first frame that arrives after it started waiting — its own hold on it, made by `take` — or a
 * timeout error that says how long it waited and what to check. Bounded: a waiter always ends, by
 * a frame, a timeout or `failAll`.
 */
export class FrameWaiters<T> {
  constructor(private readonly take: (frame: T) => T = (frame) => frame) {}

  private waiters = new Set<{
    resolve: (frame: T) => void;
    reject: (err: Error) => void;
    timer: NodeJS.Timeout;
    accepts: (frame: T) => boolean;
  }>();

  get size(): number {
    return this.waiters.size;
  }

  /**
   * `accepts` lets a waiter skip frames that are not its own (e.g. exposed before its trigger).
   *
   * The promise is observed from the start: callers create it *before* an await (starting
   * acquisition, firing the trigger) so as not to miss the frame, and it may time out during that
   * await — an unobserved rejection then would end the process. Awaiting it still rejects.
   */
  wait(timeoutMs: number, describeTimeout: () => string, accepts: (frame: T) => boolean = () => true): Promise<T> {
    // Past a Node timer's range the wait would end after 1 ms, not never: refused with the range.
    checkTimeoutMs(timeoutMs, 'Frame timeout');
    const waiting = new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        accepts,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new GigeError('FRAME_TIMEOUT', describeTimeout(), { timeoutMs }));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
    waiting.catch(() => undefined);
    return waiting;
  }

  deliver(frame: T): void {
    for (const waiter of this.waiters) {
      if (!waiter.accepts(frame)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(this.take(frame));
    }
  }

  failAll(err: Error): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.waiters.clear();
  }
}

/** For a wait whose result nobody will take (its caller failed): a frame it got goes back at once. */
export function releaseIfDelivered(wait: Promise<{ release(): void }>): void {
  wait.then(
    (frame) => frame.release(),
    () => undefined,
  );
}
