/**
 * Runs callbacks at device times (ns). The camera model reasons in exact device time — exposure
 * start, trigger edges, strobe edges carry exact timestamps — while Node timers only approximate
 * *when* the JavaScript runs (to about a millisecond). Every pending timer is tracked so that
 * stopping the camera leaves nothing behind, and no callback can throw out of a timer.
 */
export class Timeline {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly now: () => bigint,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Run `fn` when the device clock reaches `timeNs` (at once, asynchronously, if it has). */
  at(timeNs: bigint, fn: () => void): NodeJS.Timeout | null {
    if (this.closed) return null;
    const delayMs = Math.max(0, Number(timeNs - this.now()) / 1e6);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch (err) {
        this.onError(err as Error);
      }
    }, Math.min(delayMs, 2 ** 31 - 1));
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | null): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  get pending(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    this.cancelAll();
  }
}
