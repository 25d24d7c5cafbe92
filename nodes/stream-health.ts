/**
 * Stream health per interval: the receiver's running counters (lib/stream, ~35 of them) turned
 * into what happened during the last interval, and threshold alarms that are raised when an
 * interval is over a threshold and cleared when one is back under it — the alarms a flow passes on
 * to a PLC or HMI (nodes/gige-stream-stats.ts).
 *
 * "Loss" is the share of packets the network did not deliver on their first transmission: those
 * the receiver had to ask for again (PACKETRESEND), or — with resends off or exhausted — never got.
 * A lossy link shows there even while every resend succeeds and every frame is complete; packets
 * lost for good are counted apart (`lost`).
 */
import type { StreamStatistics } from './config-camera';

export type AlarmName = 'loss' | 'resend' | 'jitter';

export interface Thresholds {
  /** Loss above this (percent of packets) raises the 'loss' alarm; null: off. */
  lossPercent: number | null;
  /** Resent packets above this (percent of packets received) raise 'resend'; null: off. */
  resendPercent: number | null;
  /** Frame interval jitter (standard deviation of arrival intervals) above this (ms) raises 'jitter'; null: off. */
  jitterMs: number | null;
}

/** One interval's figures, as the stats message carries them. */
export interface IntervalReport {
  intervalMs: number;
  frames: number;
  framesIncomplete: number;
  framesDropped: number;
  /** Of those, dropped because the flow keeps frames beyond the frame memory limit (lib/stream/copy-budget.ts). */
  framesDroppedMemoryLimit: number;
  packets: number;
  packetsResent: number;
  resendRequested: number;
  /** Packets missing from frames given up (lost for good). */
  packetsLost: number;
  socketDrops: number;
  megabytesPerSecond: number;
  lossPercent: number;
  resendPercent: number;
  /** Standard deviation of the host's frame arrival intervals in ms; null with fewer than 3 frames. */
  frameIntervalJitterMs: number | null;
  frameIntervalMs: number | null;
  /** Alarms active after this interval. */
  alarms: AlarmName[];
}

export interface AlarmChange {
  alarm: AlarmName;
  active: boolean;
  /** The interval's value; null when cleared because the stream ended. */
  value: number | null;
  threshold: number;
  unit: '%' | 'ms';
}

type Counters = Pick<
  StreamStatistics,
  | 'framesComplete'
  | 'framesIncomplete'
  | 'framesDropped'
  | 'framesDroppedMemoryLimit'
  | 'packetsReceived'
  | 'packetsResent'
  | 'resendPacketsRequested'
  | 'packetsMissing'
  | 'packetsDroppedBySocket'
  | 'payloadBytes'
>;

const COUNTERS: Array<keyof Counters> = [
  'framesComplete',
  'framesIncomplete',
  'framesDropped',
  'framesDroppedMemoryLimit',
  'packetsReceived',
  'packetsResent',
  'resendPacketsRequested',
  'packetsMissing',
  'packetsDroppedBySocket',
  'payloadBytes',
];

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Frame arrival times within an interval, for the interval jitter. */
export class ArrivalTimes {
  private times: number[] = [];

  note(nowMs: number): void {
    if (this.times.length < 100000) this.times.push(nowMs);
  }

  /** Mean and standard deviation of the intervals since the last take; the last arrival starts the next. */
  take(): { meanMs: number; jitterMs: number } | null {
    const times = this.times;
    this.times = times.length > 0 ? [times[times.length - 1]] : [];
    if (times.length < 3) return null;
    const intervals = times.slice(1).map((t, i) => t - times[i]);
    const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
    const variance = intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / intervals.length;
    return { meanMs: mean, jitterMs: Math.sqrt(variance) };
  }

  reset(): void {
    this.times = [];
  }
}

export class StreamHealth {
  private previous: Counters | null = null;
  private previousAt = 0;
  private readonly active = new Set<AlarmName>();

  constructor(private readonly thresholds: Thresholds) {}

  get activeAlarms(): AlarmName[] {
    return [...this.active];
  }

  /**
   * The interval since the last sample (null for the first sample of a stream, which only sets the
   * base) and the alarms it raised or cleared. Counters that went down belong to a new stream: they
   * start a new base.
   */
  sample(
    stats: Counters,
    nowMs: number,
    arrivals: { meanMs: number; jitterMs: number } | null,
  ): { report: IntervalReport | null; changes: AlarmChange[] } {
    const previous = this.previous;
    const since = this.previousAt;
    this.previous = Object.fromEntries(COUNTERS.map((k) => [k, stats[k]])) as unknown as Counters;
    this.previousAt = nowMs;
    if (!previous || COUNTERS.some((k) => stats[k] < previous[k])) return { report: null, changes: [] };
    const d = (k: keyof Counters) => stats[k] - previous[k];
    const intervalMs = Math.max(1, nowMs - since);
    const packets = d('packetsReceived');
    const resent = d('packetsResent');
    const missedFirstTime = Math.max(d('resendPacketsRequested'), d('packetsMissing'));
    const sent = packets - resent + missedFirstTime;
    const lossPercent = sent > 0 ? (100 * missedFirstTime) / sent : 0;
    const resendPercent = packets > 0 ? (100 * resent) / packets : 0;
    const report: IntervalReport = {
      intervalMs,
      frames: d('framesComplete') + d('framesIncomplete'),
      framesIncomplete: d('framesIncomplete'),
      framesDropped: d('framesDropped'),
      framesDroppedMemoryLimit: d('framesDroppedMemoryLimit'),
      packets,
      packetsResent: resent,
      resendRequested: d('resendPacketsRequested'),
      packetsLost: d('packetsMissing'),
      socketDrops: d('packetsDroppedBySocket'),
      megabytesPerSecond: round(d('payloadBytes') / intervalMs / 1000, 3),
      lossPercent: round(lossPercent, 3),
      resendPercent: round(resendPercent, 3),
      frameIntervalJitterMs: arrivals ? round(arrivals.jitterMs, 3) : null,
      frameIntervalMs: arrivals ? round(arrivals.meanMs, 3) : null,
      alarms: [],
    };
    const changes: AlarmChange[] = [];
    const judge = (alarm: AlarmName, value: number | null, threshold: number | null, unit: '%' | 'ms') => {
      if (threshold === null || value === null) return;
      const over = value > threshold;
      if (over === this.active.has(alarm)) return;
      if (over) this.active.add(alarm);
      else this.active.delete(alarm);
      changes.push({ alarm, active: over, value, threshold, unit });
    };
    judge('loss', report.lossPercent, this.thresholds.lossPercent, '%');
    judge('resend', report.resendPercent, this.thresholds.resendPercent, '%');
    judge('jitter', report.frameIntervalJitterMs, this.thresholds.jitterMs, 'ms');
    report.alarms = this.activeAlarms;
    return { report, changes };
  }

  /** The stream ended (or the camera went away): the alarms about it end too; the next stream starts a new base. */
  end(): AlarmChange[] {
    this.previous = null;
    const changes = [...this.active].map((alarm): AlarmChange => ({
      alarm,
      active: false,
      value: null,
      threshold: this.threshold(alarm) ?? 0,
      unit: alarm === 'jitter' ? 'ms' : '%',
    }));
    this.active.clear();
    return changes;
  }

  private threshold(alarm: AlarmName): number | null {
    return alarm === 'loss' ? this.thresholds.lossPercent : alarm === 'resend' ? this.thresholds.resendPercent : this.thresholds.jitterMs;
  }
}
