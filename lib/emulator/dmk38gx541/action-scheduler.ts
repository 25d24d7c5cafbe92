/**
 * Scheduled actions (manual 5.13; GigE Vision scheduled ACTION_CMD). One queue of ActionQueueSize
 * slots holds both the actions committed through ActionSchedulerCommit and scheduled ACTION_CMDs.
 *
 *   - no time reference (PTP not Master/Slave)  → NO_REF_TIME (0x8013)
 *   - queue full                                → OVERFLOW (0x8015)
 *   - ActionSchedulerCommit in the past         → fires at once (interval 0) or at the next slot of
 *                                                 the repetition (missed slots are skipped)
 *   - scheduled ACTION_CMD in the past          → fires at once, answered ACTION_LATE (0x8016)
 * A repeating action keeps its slot until ActionSchedulerCancel.
 */
import { Status } from './feature-store';
import { Timeline, TimelineTimer } from './timeline';

export interface SchedulerHost {
  now(): bigint;
  synchronized(): boolean;
  /** Perform the action (trigger Action0) at device time `time`. */
  fire(time: bigint): void;
}

interface Entry {
  next: bigint;
  intervalNs: bigint;
  timer: TimelineTimer | null;
}

export class ActionScheduler {
  private readonly entries = new Set<Entry>();
  readonly stats = { fired: 0, skipped: 0, overflows: 0, late: 0 };

  constructor(
    private readonly host: SchedulerHost,
    private readonly timeline: Timeline,
    readonly queueSize: number,
  ) {}

  get queued(): number {
    return this.entries.size;
  }

  /** ActionSchedulerCommit. Returns a GVCP status (0 = queued or fired). */
  commit(time: bigint, intervalUs: number): number {
    if (!this.host.synchronized()) return Status.NO_REF_TIME;
    const now = this.host.now();
    const intervalNs = BigInt(Math.round(intervalUs)) * 1000n;
    if (time <= now && intervalNs === 0n) {
      this.fire(now);
      return 0;
    }
    if (this.entries.size >= this.queueSize) {
      this.stats.overflows += 1;
      return Status.OVERFLOW;
    }
    let next = time;
    if (next < now) {
      const missed = (now - next + intervalNs - 1n) / intervalNs;
      this.stats.skipped += Number(missed);
      next += missed * intervalNs;
    }
    this.arm({ next, intervalNs, timer: null });
    return 0;
  }

  /** A scheduled ACTION_CMD. Returns a GVCP status for the ack. */
  command(time: bigint): number {
    if (!this.host.synchronized()) return Status.NO_REF_TIME;
    const now = this.host.now();
    if (time <= now) {
      this.stats.late += 1;
      this.fire(now);
      return Status.ACTION_LATE;
    }
    if (this.entries.size >= this.queueSize) {
      this.stats.overflows += 1;
      return Status.OVERFLOW;
    }
    this.arm({ next: time, intervalNs: 0n, timer: null });
    return 0;
  }

  /** ActionSchedulerCancel. */
  cancel(): void {
    for (const entry of this.entries) this.timeline.cancel(entry.timer);
    this.entries.clear();
  }

  private arm(entry: Entry): void {
    this.entries.add(entry);
    entry.timer = this.timeline.at(entry.next, () => this.due(entry));
  }

  private due(entry: Entry): void {
    entry.timer = null;
    if (!this.entries.has(entry)) return;
    this.fire(entry.next);
    if (entry.intervalNs === 0n) {
      this.entries.delete(entry);
      return;
    }
    entry.next += entry.intervalNs;
    const now = this.host.now();
    while (entry.next < now) {
      // The process was too late for a slot: skip it, as the camera does for missed repetitions.
      entry.next += entry.intervalNs;
      this.stats.skipped += 1;
    }
    entry.timer = this.timeline.at(entry.next, () => this.due(entry));
  }

  private fire(time: bigint): void {
    this.stats.fired += 1;
    this.host.fire(time);
  }
}
