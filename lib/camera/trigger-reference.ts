/**
 * The camera's clock at a software trigger, so that a frame of an earlier trigger or burst is never
 * taken for this one: only frames stamped at or after it are the trigger's.
 *
 * The clock is latched in the same WRITEREG as the trigger (latch first: a device runs a WRITEREG's
 * writes in order), and read back after it. Before, the latch and its read were two round trips in
 * front of the trigger; measured with `npm run bench:flow -- --only trigger` (veth, 2 cores), they
 * were half of the trigger path: inject → exposure start p50 1.32 → 0.66 ms, p99 10.1 → 4.0 ms
 * without them. A frame that arrives before the latched time is read waits for it (its verdict is
 * a promise, see FrameWaiters). A camera that refuses the latch (or has no clock) gets the trigger
 * alone, and its next frame is taken as is.
 */
import type { PendingPrefix } from '../gvcp/write-prefix';

export class TriggerReference {
  /** undefined: not known yet; null: no usable latch — the next frame is the trigger's. */
  private value: bigint | null | undefined = undefined;
  private settle!: (value: bigint | null) => void;
  private readonly known = new Promise<bigint | null>((resolve) => {
    this.settle = resolve;
  });
  /** Frames stamped before the trigger that were not taken for it. */
  skipped = 0;

  /** `latch`: the latch queued in front of the trigger's write; null when the camera has no clock. */
  constructor(
    private readonly latch: PendingPrefix | null,
    private readonly readLatched: () => Promise<bigint>,
  ) {
    if (!latch) this.finish(null);
  }

  /** The latched time once resolved; null without one (no latch, or not resolved yet). */
  get time(): bigint | null {
    return this.value ?? null;
  }

  accepts(frame: { timestamp: bigint }): boolean | Promise<boolean> {
    if (this.value !== undefined) return this.isTriggers(frame);
    return this.known.then(() => this.isTriggers(frame));
  }

  /**
   * After the trigger's write: learns whether the latch went with it and reads the latched time.
   * A read that fails leaves frames taken as they come, unless `isLost` says the camera is gone:
   * then the error is thrown.
   */
  async resolve(isLost: () => boolean): Promise<void> {
    if (!this.latch || this.value !== undefined) return;
    // A trigger that reached the device without a port write (a literal value) took no latch.
    this.latch.cancel();
    let value: bigint | null = null;
    try {
      if ((await this.latch.outcome) === 'sent') value = await this.readLatched();
    } catch (err) {
      this.finish(null);
      if (isLost()) throw err;
    }
    this.finish(value);
  }

  /** The trigger was not sent: nothing of it is pending any more. */
  cancel(): void {
    this.latch?.cancel();
    this.finish(null);
  }

  private isTriggers(frame: { timestamp: bigint }): boolean {
    if (this.value === null || this.value === undefined || frame.timestamp >= this.value) return true;
    this.skipped += 1;
    return false;
  }

  private finish(value: bigint | null): void {
    if (this.value !== undefined) return;
    this.value = value;
    this.settle(value);
  }
}
