/**
 * Joins frames of several cameras into sets by device timestamp: frames whose timestamps lie within
 * a tolerance of a set's first frame belong to it (one per camera). A set is complete when every
 * expected camera has a frame in it; a set still missing cameras when its time runs out is given up
 * as incomplete. Cameras that share a PTP time base stamp the frames of one scheduled action with
 * the same time, so the tolerance can be small (microseconds).
 */

export interface SetMember<T> {
  camera: string;
  timestamp: bigint;
  item: T;
}

export interface FrameSet<T> {
  /** Timestamp of the set's first frame (ticks). */
  timestamp: bigint;
  /** Latest minus earliest timestamp in the set (ticks). */
  spread: bigint;
  members: Array<SetMember<T>>;
  missing: string[];
  complete: boolean;
}

export interface JoinOptions {
  /** Camera names in output order; empty: the first `count` distinct cameras seen. */
  cameras: string[];
  count: number;
  toleranceTicks: bigint;
  /** Open sets at most; beyond, the oldest is given up (incomplete). */
  maxOpenSets: number;
}

interface OpenSet<T> {
  timestamp: bigint;
  members: Map<string, SetMember<T>>;
  openedAt: number;
}

export class FrameSetJoiner<T> {
  private readonly open: Array<OpenSet<T>> = [];
  private readonly seen: string[] = [];

  constructor(private readonly options: JoinOptions) {}

  get openSets(): number {
    return this.open.length;
  }

  /** The camera names sets wait for (the configured ones, or those seen so far). */
  get expected(): string[] {
    return this.options.cameras.length ? this.options.cameras : this.seen;
  }

  private get wanted(): number {
    return this.options.cameras.length || this.options.count;
  }

  /**
   * Adds a frame; returns the sets it completes or forces out (the oldest open set when too many
   * are open) and the frame itself when it cannot belong to any set (`rejected`: an unknown camera).
   */
  add(member: SetMember<T>, now: number): { done: Array<FrameSet<T>>; rejected: boolean } {
    const done: Array<FrameSet<T>> = [];
    if (this.options.cameras.length) {
      if (!this.options.cameras.includes(member.camera)) return { done, rejected: true };
    } else if (!this.seen.includes(member.camera)) {
      if (this.seen.length >= this.options.count) return { done, rejected: true };
      this.seen.push(member.camera);
    }
    const tolerance = this.options.toleranceTicks;
    let target = this.open.find((s) => !s.members.has(member.camera) && abs(member.timestamp - s.timestamp) <= tolerance);
    if (!target) {
      target = { timestamp: member.timestamp, members: new Map(), openedAt: now };
      this.open.push(target);
      while (this.open.length > this.options.maxOpenSets) done.push(this.close(this.open[0]));
    }
    target.members.set(member.camera, member);
    if (target.members.size >= this.wanted) done.push(this.close(target));
    return { done, rejected: false };
  }

  /** Gives up every open set older than `timeoutMs` (opened before now − timeout). */
  expire(now: number, timeoutMs: number): Array<FrameSet<T>> {
    return this.open.filter((s) => now - s.openedAt >= timeoutMs).map((s) => this.close(s));
  }

  /** Gives up every open set (the node is closing). */
  flush(): Array<FrameSet<T>> {
    return [...this.open].map((s) => this.close(s));
  }

  /** Milliseconds until the oldest open set expires, or null when none is open. */
  nextExpiry(now: number, timeoutMs: number): number | null {
    if (this.open.length === 0) return null;
    return Math.max(0, Math.min(...this.open.map((s) => s.openedAt)) + timeoutMs - now);
  }

  private close(set: OpenSet<T>): FrameSet<T> {
    this.open.splice(this.open.indexOf(set), 1);
    const order = this.expected;
    const members = [...set.members.values()].sort((a, b) => order.indexOf(a.camera) - order.indexOf(b.camera));
    const times = members.map((m) => m.timestamp);
    const spread = times.reduce((max, t) => (t > max ? t : max), times[0]) - times.reduce((min, t) => (t < min ? t : min), times[0]);
    const missing = order.filter((c) => !set.members.has(c));
    const complete = set.members.size >= this.wanted;
    return { timestamp: set.timestamp, spread, members, missing, complete };
  }
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}
