/**
 * A node's messages, handled one at a time in arrival order, with a bound: beyond `limit` waiting
 * messages a new one is refused at once (BUSY) instead of queueing without end while the camera
 * is away. After `close()` waiting and new tasks fail with NODE_CLOSED; the one running finishes.
 */
import { GigeError } from '../lib/errors';

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private closed = false;

  constructor(
    private readonly limit = 16,
    private readonly what = 'messages',
  ) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    if (this.waiting >= this.limit) {
      return Promise.reject(
        new GigeError(
          'BUSY',
          `${this.waiting} ${this.what} are already waiting for the camera; this one was not queued (limit ${this.limit})`,
          { waiting: this.waiting, limit: this.limit },
        ),
      );
    }
    this.waiting += 1;
    const run = this.tail
      .then(() => {
        if (this.closed) throw closedError();
        return task();
      })
      .finally(() => {
        this.waiting -= 1;
      });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Refuses what has not started; resolves when the running task has ended. */
  close(): Promise<void> {
    this.closed = true;
    return this.tail.then(() => undefined);
  }
}

function closedError(): GigeError {
  return new GigeError('NODE_CLOSED', 'The node was closed (redeployed or removed) before this message was handled');
}
