/**
 * The device clock: nanoseconds, 1 GHz tick (bootstrap 0x093C/0x0940). It counts from the Unix
 * epoch, as a PTP-synchronised camera's clock does: the time base is the host's wall clock
 * (CLOCK_REALTIME, to the nanosecond), which is the PTP grandmaster of every emulated camera on
 * this host — in one process or several, in any network namespace — so a scheduled ACTION_CMD
 * means the same instant to all of them. A camera's PTP servo error (offset and jitter, see
 * dmk38gx541/ptp.ts) is added where a device timestamp is produced.
 *
 * The device clock can jump: a timestamp reset (0x0944 bit 0x1) moves this device's zero to "now",
 * and PTP taking the clock over brings it back to the shared time. The time base under it — the
 * process clock every device shares — never jumps, so a camera model schedules on the time base and
 * converts only where a device timestamp is produced (`toDevice`: leader, events, I/O records) or
 * consumed (`fromDevice`: scheduled action times). `toDevice` uses the clock setting in force at
 * the given instant: a reset does not rewrite the timestamps of what happened before it.
 * A latch (0x0944 bit 0x2) captures the device clock for 0x0948/0x094C.
 */
import type { DeviceTimeBase } from '../device-model';

export const TICK_FREQUENCY_HZ = 1_000_000_000n;

let wallMinusMonotonic: bigint | null = null;

/**
 * CLOCK_REALTIME − CLOCK_MONOTONIC, measured once per process. Natively it is exact to tens of ns,
 * so emulators in different processes agree to well below a microsecond; without the addon,
 * Node's own time origin (microseconds) is the best JavaScript has. Date.now() (whole ms, taken at
 * an arbitrary moment) put processes up to a millisecond apart.
 */
function hostClockOffset(): bigint {
  if (wallMinusMonotonic === null) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { emulatorNative } = require('../native') as typeof import('../native');
      wallMinusMonotonic = emulatorNative.hostClockOffset();
    } catch {
      const origin = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      wallMinusMonotonic = origin - process.hrtime.bigint();
    }
  }
  return wallMinusMonotonic;
}

/**
 * The host's wall clock in Unix-epoch nanoseconds, advancing with the monotonic clock: the PTP
 * grandmaster time every emulated device shares. It never jumps while the process runs (a step of
 * the host clock reaches emulators started after it).
 */
export function epochNanoseconds(): bigint {
  return process.hrtime.bigint() + hostClockOffset();
}

/** From time-base instant `at` on, the device clock reads `time base − offset`. */
interface ClockStep {
  at: bigint;
  offset: bigint;
}

/**
 * Steps kept for converting past instants. Resets come from the host one GVCP write at a time;
 * an instant older than the oldest kept step (thousands of resets ago) converts with the oldest.
 */
const MAX_STEPS = 1024;

export class DeviceClock implements DeviceTimeBase {
  /** Oldest first; none = the device clock is the time base. */
  private readonly steps: ClockStep[] = [];
  private latchedValue = 0n;
  /** Diagnostics: resets applied, and resets ignored because PTP owned the clock. */
  resets = 0;
  ignoredResets = 0;

  /** PTP servo error at a time-base instant (the model's clock; 0 without one). */
  private servo: (time: bigint) => bigint = () => 0n;

  constructor(private readonly base: () => bigint = epochNanoseconds) {}

  setServo(servo: (time: bigint) => bigint): void {
    this.servo = servo;
  }

  /** The device clock now (ticks). */
  now(): bigint {
    return this.toDevice(this.base());
  }

  baseNow(): bigint {
    return this.base();
  }

  toDevice(time: bigint): bigint {
    const ticks = time - this.offsetAt(time) + this.servo(time);
    // Only an instant older than every kept step can come out negative; 0 is the earliest tick.
    return ticks < 0n ? 0n : ticks;
  }

  fromDevice(ticks: bigint): bigint {
    // Solve base − offset + servo(base) = ticks. The servo error changes by at most ns per second,
    // so two refinements leave no error a nanosecond clock can show.
    const unservoed = ticks + this.currentOffset();
    let base = unservoed - this.servo(unservoed);
    base = unservoed - this.servo(base);
    return base;
  }

  followDomain(): void {
    if (this.currentOffset() !== 0n) this.step(this.base(), 0n);
  }

  /** Timestamp reset: the device clock reads 0 now. */
  reset(): void {
    const now = this.base();
    this.step(now, now);
    this.resets += 1;
  }

  latch(): void {
    this.latchedValue = this.now();
  }

  get latched(): bigint {
    return this.latchedValue;
  }

  private step(at: bigint, offset: bigint): void {
    this.steps.push({ at, offset });
    if (this.steps.length > MAX_STEPS) this.steps.shift();
  }

  private currentOffset(): bigint {
    return this.steps.length ? this.steps[this.steps.length - 1].offset : 0n;
  }

  private offsetAt(time: bigint): bigint {
    for (let i = this.steps.length - 1; i >= 0; i -= 1) {
      if (this.steps[i].at <= time) return this.steps[i].offset;
    }
    // Before the first kept step: the clock as it was then (the time base, unless steps were dropped).
    return this.steps.length === MAX_STEPS ? this.steps[0].offset : 0n;
  }
}
