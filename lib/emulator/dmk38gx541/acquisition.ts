/**
 * The acquisition engine: when frames are exposed, read out and sent (manual 5.1.4, 5.4–5.5, 5.11).
 * It reasons in exact device time (ns) and uses the timeline only to run at about the right moment.
 *
 * Each accepted frame reserves the sensor at once: exposure [S, S+E), readout until
 * R_end = max(S+E, previous R_end) + readout time. Then, on timers: exposure start (strobe), exposure
 * end (block id, ExposureEnd event), the frame's hand-over (render, chunk, auto functions, queued
 * to the sender to leave at R_end) up to HANDOVER_LEAD_NS before R_end, and R_end itself (the
 * sensor is free; the acquisition may end). The sender thread sends the frame at R_end: a Node
 * timer alone would run it a millisecond or more late (whole-ms timers, a busy event loop), which
 * a trigger-latency measurement would count against the receiving host.
 *
 * Free running: S(k+1) = max(S(k) + 1/AcquisitionFrameRate, S(k) + E(k)).
 * Triggered: an accepted trigger at T starts a burst at S = T + TriggerDelay (not for software
 * triggers), aligned to the next 28 µs line-clock edge unless IMXLowLatencyTriggerMode; the burst's
 * frames follow like free-running ones. A trigger is missed (FrameTriggerMissed) during a burst,
 * and — TriggerOverlap Off — before the previous frame is read out, or — Readout — during the
 * previous exposure or when the remaining readout is not shorter than the new exposure.
 */
import { Timeline, TimelineTimer } from './timeline';
import { LINE_PERIOD_NS } from './sensor';

export type TriggerSource = 'Software' | 'Line1' | 'Action0';

/** How long before its readout ends a frame is made and queued to the sender (it leaves at R_end). */
export const HANDOVER_LEAD_NS = 10_000_000n;

export interface AcquisitionSettings {
  /** SingleFrame: 1, MultiFrame: AcquisitionFrameCount, Continuous: Infinity. */
  frameLimit: number;
  triggerMode: boolean;
  /** Sources that TriggerSource accepts. */
  acceptsSource(source: TriggerSource): boolean;
  burstFrameCount: number;
  overlapReadout: boolean;
  lowLatency: boolean;
  triggerDelayNs: number;
  frameRate: number;
}

export interface FrameTimes {
  /** Sequence number since AcquisitionStart (0-based); selects the multi-frame set member. */
  index: number;
  start: bigint;
  exposureEnd: bigint;
  readoutEnd: bigint;
  exposureUs: number;
  /** GVSP block id, assigned at the end of exposure when the stream channel is open. */
  blockId: bigint | null;
}

export interface AcquisitionHost<F extends FrameTimes> {
  now(): bigint;
  settings(): AcquisitionSettings;
  /** Snapshot of everything a frame needs, taken when it is accepted. */
  prepareFrame(index: number, start: bigint): F;
  readoutTimeNs(frame: F): number;
  exposureStarted(frame: F): void;
  exposureEnded(frame: F): void;
  /** Make the frame and queue it to leave at `frame.readoutEnd` (called up to HANDOVER_LEAD_NS before). */
  readoutDone(frame: F): void;
  triggerMissed(time: bigint, source: TriggerSource): void;
  statusChanged(acquiring: boolean): void;
}

export interface AcquisitionStats {
  framesAccepted: number;
  triggersAccepted: number;
  triggersMissed: number;
  triggersIgnored: number;
}

export class Acquisition<F extends FrameTimes> {
  private acquiring = false;
  private framesLeft = 0;
  private index = 0;
  private burstLeft = 0;
  private lastExposureEnd = 0n;
  private lastReadoutEnd = 0n;
  private nextStartTimer: TimelineTimer | null = null;
  private readonly pending = new Map<F, TimelineTimer[]>();
  readonly stats: AcquisitionStats = { framesAccepted: 0, triggersAccepted: 0, triggersMissed: 0, triggersIgnored: 0 };

  constructor(
    private readonly host: AcquisitionHost<F>,
    private readonly timeline: Timeline,
  ) {}

  get active(): boolean {
    return this.acquiring;
  }

  start(): void {
    if (this.acquiring) return;
    const s = this.host.settings();
    this.acquiring = true;
    this.framesLeft = s.frameLimit;
    this.index = 0;
    this.burstLeft = 0;
    this.host.statusChanged(true);
    if (!s.triggerMode) this.accept(this.host.now(), 'free');
  }

  /** AcquisitionStop: frames whose exposure has begun are finished and sent; later ones are dropped. */
  stop(): void {
    if (!this.acquiring) return;
    this.timeline.cancel(this.nextStartTimer);
    this.nextStartTimer = null;
    const now = this.host.now();
    for (const [frame, timers] of this.pending) {
      if (frame.start > now) {
        for (const t of timers) this.timeline.cancel(t);
        this.pending.delete(frame);
      }
    }
    this.burstLeft = 0;
    this.finish();
  }

  /** TriggerMode changed while acquiring: free running resumes (triggered mode needs nothing). */
  modeChanged(): void {
    const s = this.host.settings();
    if (!this.acquiring || s.triggerMode || this.nextStartTimer !== null || this.framesLeft <= 0) return;
    const now = this.host.now();
    this.accept(now > this.lastExposureEnd ? now : this.lastExposureEnd, 'free');
  }

  /** Control lost or camera closed: drop everything in flight. */
  abort(): void {
    this.stop();
    for (const timers of this.pending.values()) for (const t of timers) this.timeline.cancel(t);
    this.pending.clear();
  }

  /**
   * A trigger arrived at device time `time` (already filtered, for TRIGGER_IN). Returns whether a
   * burst started; a trigger that finds the sensor busy is reported as missed.
   */
  trigger(source: TriggerSource, time: bigint): boolean {
    const s = this.host.settings();
    if (!this.acquiring || !s.triggerMode || !s.acceptsSource(source) || this.framesLeft <= 0) {
      this.stats.triggersIgnored += 1;
      return false;
    }
    let start = source === 'Software' ? time : time + BigInt(Math.round(s.triggerDelayNs));
    if (!s.lowLatency) start = alignToLineClock(start);
    const candidate = this.host.prepareFrame(this.index, start);
    if (!this.sensorReady(time, start, candidate, s)) {
      this.stats.triggersMissed += 1;
      this.host.triggerMissed(time, source);
      return false;
    }
    this.stats.triggersAccepted += 1;
    this.burstLeft = s.burstFrameCount;
    this.accept(start, 'burst', candidate);
    return true;
  }

  private sensorReady(time: bigint, start: bigint, candidate: F, s: AcquisitionSettings): boolean {
    if (this.burstLeft > 0) return false;
    if (!s.overlapReadout || s.lowLatency) return time >= this.lastReadoutEnd;
    if (start < this.lastExposureEnd) return false;
    const exposureNs = BigInt(Math.round(candidate.exposureUs * 1000));
    return this.lastReadoutEnd - start < exposureNs;
  }

  private accept(start: bigint, kind: 'free' | 'burst', prepared?: F): void {
    const frame = prepared ?? this.host.prepareFrame(this.index, start);
    this.index += 1;
    this.framesLeft -= 1;
    this.stats.framesAccepted += 1;
    const exposureNs = BigInt(Math.round(frame.exposureUs * 1000));
    frame.start = start;
    frame.exposureEnd = start + exposureNs;
    const readoutStart = frame.exposureEnd > this.lastReadoutEnd ? frame.exposureEnd : this.lastReadoutEnd;
    frame.readoutEnd = readoutStart + BigInt(Math.round(this.host.readoutTimeNs(frame)));
    this.lastExposureEnd = frame.exposureEnd;
    this.lastReadoutEnd = frame.readoutEnd;

    const timers: TimelineTimer[] = [];
    const add = (t: TimelineTimer | null): void => {
      if (t) timers.push(t);
    };
    this.pending.set(frame, timers);
    add(this.timeline.at(frame.start, () => this.host.exposureStarted(frame)));
    add(
      this.timeline.at(frame.exposureEnd, () => {
        this.host.exposureEnded(frame);
        const handover = frame.readoutEnd - HANDOVER_LEAD_NS;
        add(this.timeline.at(handover > frame.exposureEnd ? handover : frame.exposureEnd, () => this.host.readoutDone(frame)));
        add(
          this.timeline.at(frame.readoutEnd, () => {
            this.pending.delete(frame);
            if (this.acquiring && this.framesLeft <= 0 && this.pending.size === 0) this.finish();
          }),
        );
      }),
    );

    if (kind === 'burst') this.burstLeft -= 1;
    const more = this.framesLeft > 0 && (kind === 'free' || this.burstLeft > 0);
    if (!more) return;
    const periodNs = BigInt(Math.round(1e9 / this.host.settings().frameRate));
    const next = start + (periodNs > exposureNs ? periodNs : exposureNs);
    this.nextStartTimer = this.timeline.at(next, () => {
      this.nextStartTimer = null;
      if (!this.acquiring) return;
      if (kind === 'free' && this.host.settings().triggerMode) return;
      this.accept(next, kind);
    });
  }

  private finish(): void {
    if (!this.acquiring) return;
    this.acquiring = false;
    this.host.statusChanged(false);
  }
}

/** Without low-latency mode the sensor starts exposures on its line clock (period 28 µs). */
export function alignToLineClock(time: bigint): bigint {
  const period = BigInt(LINE_PERIOD_NS);
  const remainder = time % period;
  return remainder === 0n ? time : time + period - remainder;
}
