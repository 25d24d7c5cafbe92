import { GigeError } from '../errors';
import { checkTimeoutMs } from './limits';

/**
 * Callers waiting for "the next frame" (a grab, a software trigger's result). Each waiter gets the
 * first frame that arrives after it started waiting — its own hold on it, made by `take` — or a
 * timeout error that says how long it waited and what to check. Bounded: a waiter always ends, by
 * a frame, a timeout or `failAll`.
 */
export class FrameWaiters<T> {
  constructor(
    private readonly take: (frame: T) => T = (frame) => frame,
    /** Lets go of a hold `take` made that no waiter got in the end. */
    private readonly drop: (held: T) => void = () => undefined,
  ) {}

  private waiters = new Set<Waiter<T>>();

  get size(): number {
    return this.waiters.size;
  }

  /**
   * `accepts` lets a waiter skip frames that are not its own (e.g. exposed before its trigger). It
   * may answer later (a promise) when it cannot tell yet: the frame is then held meanwhile, and the
   * answers come in the order the frames came, so the waiter still gets the first of its own.
   *
   * The promise is observed from the start: callers create it *before* an await (starting
   * acquisition, firing the trigger) so as not to miss the frame, and it may time out during that
   * await — an unobserved rejection then would end the process. Awaiting it still rejects.
   */
  wait(timeoutMs: number, describeTimeout: () => string, accepts: (frame: T) => boolean | Promise<boolean> = () => true): Promise<T> {
    // Past a Node timer's range the wait would end after 1 ms, not never: refused with the range.
    checkTimeoutMs(timeoutMs, 'Frame timeout');
    const waiting = new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
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
      const verdict = waiter.accepts(frame);
      if (verdict === true) this.settle(waiter, this.take(frame));
      else if (verdict !== false) this.decideLater(waiter, verdict, this.take(frame));
    }
  }

  private settle(waiter: Waiter<T>, held: T): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    waiter.resolve(held);
  }

  private decideLater(waiter: Waiter<T>, verdict: Promise<boolean>, held: T): void {
    verdict.then(
      (accepted) => {
        if (accepted && this.waiters.has(waiter)) this.settle(waiter, held);
        else this.drop(held);
      },
      () => this.drop(held),
    );
  }

  failAll(err: Error): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.waiters.clear();
  }
}

interface Waiter<T> {
  resolve: (frame: T) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  accepts: (frame: T) => boolean | Promise<boolean>;
}

/** For a wait whose result nobody will take (its caller failed): a frame it got goes back at once. */
export function releaseIfDelivered(wait: Promise<{ release(): void }>): void {
  wait.then(
    (frame) => frame.release(),
    () => undefined,
  );
}
