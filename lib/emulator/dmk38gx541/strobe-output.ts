/**
 * STROBE_OUT (manual 3.1.2, 5.6.2, 5.7): driven by GPOut while the strobe is off, by strobe pulses
 * synchronised to the exposure while it is on. The emulator records the line's waveform — every
 * level change with its device time — so tests and flows can check strobe timing. A pulse's edges
 * are recorded when its exposure starts (their times are exact, possibly slightly in the future).
 */
export interface StrobeEdge {
  /** Device time, ns. */
  time: bigint;
  /** Electrical level after the edge: true = high. */
  level: boolean;
}

export interface StrobePulse {
  start: bigint;
  end: bigint;
  /** ActiveHigh: the line is high during the pulse. */
  activeHigh: boolean;
}

const MAX_RECORD = 10000;

export class StrobeOutput {
  private readonly record: StrobeEdge[] = [];
  private idleLevel = false;
  private lastLevel = false;
  private pulseEnd: bigint | null = null;
  dropped = 0;

  constructor(initialTime: bigint) {
    this.push({ time: initialTime, level: false });
  }

  /** Level between pulses: GPOut while strobing is off, the inactive level while it is on. */
  setIdleLevel(level: boolean, time: bigint): void {
    this.idleLevel = level;
    if (this.pulseEnd === null || time >= this.pulseEnd) this.drive(level, time);
  }

  pulse(p: StrobePulse): void {
    if (p.end <= p.start) return;
    if (this.pulseEnd !== null && p.start <= this.pulseEnd) {
      // Overlapping pulses merge: move the pending end edge out.
      const endEdge = this.record[this.record.length - 1];
      if (endEdge && endEdge.time === this.pulseEnd) endEdge.time = p.end > endEdge.time ? p.end : endEdge.time;
      this.pulseEnd = endEdge ? endEdge.time : p.end;
      return;
    }
    this.drive(p.activeHigh, p.start);
    this.drive(!p.activeHigh, p.end);
    this.pulseEnd = p.end;
    this.idleLevel = !p.activeHigh;
  }

  /** The level at device time `time` (from the record). */
  levelAt(time: bigint): boolean {
    let level = false;
    for (const edge of this.record) {
      if (edge.time > time) break;
      level = edge.level;
    }
    return level;
  }

  edges(since?: bigint): StrobeEdge[] {
    return this.record.filter((e) => since === undefined || e.time >= since).map((e) => ({ ...e }));
  }

  clear(now: bigint): void {
    const level = this.levelAt(now);
    this.record.length = 0;
    this.dropped = 0;
    this.record.push({ time: now, level });
    this.lastLevel = level;
    if (this.pulseEnd !== null && this.pulseEnd > now) this.record.push({ time: this.pulseEnd, level: this.idleLevel });
  }

  get idle(): boolean {
    return this.idleLevel;
  }

  private drive(level: boolean, time: bigint): void {
    if (level === this.lastLevel) return;
    this.push({ time, level });
  }

  private push(edge: StrobeEdge): void {
    this.record.push(edge);
    this.lastLevel = edge.level;
    if (this.record.length > MAX_RECORD) {
      this.record.splice(0, this.record.length - MAX_RECORD);
      this.dropped += 1;
    }
  }
}
