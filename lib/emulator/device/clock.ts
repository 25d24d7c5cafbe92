/**
 * The device clock: nanoseconds, 1 GHz tick (bootstrap 0x093C/0x0940). It counts from the Unix
 * epoch, as a PTP-synchronised camera's clock does, so several emulated cameras (in one process or
 * several) share one time base and a scheduled ACTION_CMD means the same instant to all of them.
 * A timestamp reset (0x0944 bit 0x1) moves this device's zero to "now"; a latch (bit 0x2) captures
 * the value for 0x0948/0x094C.
 */
const EPOCH_NS = BigInt(Date.now()) * 1_000_000n;
const HR_AT_EPOCH = process.hrtime.bigint();

export const TICK_FREQUENCY_HZ = 1_000_000_000n;

/** Unix-epoch nanoseconds from the monotonic clock (shared by every device in this process). */
export function epochNanoseconds(): bigint {
  return EPOCH_NS + (process.hrtime.bigint() - HR_AT_EPOCH);
}

export class DeviceClock {
  private offset = 0n;
  private latchedValue = 0n;

  now(): bigint {
    return epochNanoseconds() - this.offset;
  }

  reset(): void {
    this.offset = epochNanoseconds();
  }

  latch(): void {
    this.latchedValue = this.now();
  }

  get latched(): bigint {
    return this.latchedValue;
  }
}
