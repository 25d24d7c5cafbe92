/**
 * Runs callbacks at exact times (ns) of the camera's time base. The camera model reasons in exact
 * time — exposure start, trigger edges, strobe edges — while Node timers only decide *when* the
 * JavaScript runs. The model's time base never jumps (a timestamp reset only changes the device
 * timestamps it hands out; see `Dmk38gx541.baseNow`), so everything scheduled survives a reset.
 *
 * Guarantee: a callback never runs before the clock reaches its time. Node cannot promise
 * that by itself: it measures a timer's delay from the event loop's cached time (whole ms, taken at
 * the start of the loop turn), so a timer set after a busy stretch of the same turn — a frame just
 * rendered — fires early by up to that stretch plus a millisecond. A callback whose timer fired
 * before its time is therefore re-armed for the remainder. It runs late by the event loop's latency
 * (about a millisecond on an idle machine), never early. Should a clock that is given to the
 * timeline ever go backwards while a callback waits, the callback runs then rather than waiting
 * for a time base that no longer exists.
 *
 * Every pending timer is tracked so that stopping the camera leaves nothing behind, and no callback
 * can throw out of a timer.
 */

/** A pending callback; pass it to `Timeline.cancel`. */
export interface TimelineTimer {
  /** The time (ns) the callback waits for. */
  readonly timeNs: bigint;
}

interface Pending extends TimelineTimer {
  readonly fn: () => void;
  /** The clock when the Node timer was last set (detects a clock that went backwards). */
  armedAt: bigint;
  node: NodeJS.Timeout | null;
}

/** setTimeout's largest delay; a longer wait re-arms when it elapses. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class Timeline {
  private readonly timers = new Set<Pending>();
  private closed = false;
  /** Node timers that fired before their device time and were re-armed (diagnostics). */
  rearms = 0;

  constructor(
    private readonly now: () => bigint,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Run `fn` when the clock reaches `timeNs` (at once, asynchronously, if it has). */
  at(timeNs: bigint, fn: () => void): TimelineTimer | null {
    if (this.closed) return null;
    const timer: Pending = { timeNs, fn, armedAt: 0n, node: null };
    this.timers.add(timer);
    this.arm(timer, this.now());
    return timer;
  }

  cancel(timer: TimelineTimer | null): void {
    if (!timer) return;
    const pending = timer as Pending;
    if (!this.timers.delete(pending)) return;
    if (pending.node) clearTimeout(pending.node);
    pending.node = null;
  }

  cancelAll(): void {
    for (const timer of this.timers) if (timer.node) clearTimeout(timer.node);
    this.timers.clear();
  }

  get pending(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    this.cancelAll();
  }

  private arm(timer: Pending, now: bigint): void {
    timer.armedAt = now;
    const remainingNs = timer.timeNs - now;
    // Rounded up: Node would otherwise truncate a fractional delay and fire before the remainder.
    const delayMs = remainingNs > 0n ? Math.min(Math.ceil(Number(remainingNs) / 1e6), MAX_DELAY_MS) : 0;
    timer.node = setTimeout(() => this.fire(timer), delayMs);
  }

  private fire(timer: Pending): void {
    timer.node = null;
    if (!this.timers.has(timer)) return;
    const now = this.now();
    if (now < timer.timeNs && now >= timer.armedAt) {
      this.rearms += 1;
      this.arm(timer, now);
      return;
    }
    this.timers.delete(timer);
    try {
      timer.fn();
    } catch (err) {
      this.onError(err as Error);
    }
  }
}
