/**
 * The camera's I/O connector as seen from outside: what the emulated camera offers (`camera.io`)
 * and what the I/O control interface (`io-control-server.ts`) drives over TCP.
 */
import type { PulseOptions } from './trigger-input';
import type { StrobeEdge } from './strobe-output';

/** The camera's I/O connector, driven and observed from outside. */
export interface EmulatedCameraIo {
  /** Electrical level of TRIGGER_IN now (true = high). */
  triggerInput(): boolean;
  /** Drive TRIGGER_IN to a level; returns the device time of the edge (ns). */
  setTriggerInput(high: boolean): bigint;
  /** Queue pulses on TRIGGER_IN (after any queued ones); returns the device times of the first and last edge. */
  pulseTriggerInput(options: PulseOptions): { start: bigint; end: bigint };
  /** Electrical level of STROBE_OUT now. */
  strobeOutput(): boolean;
  /**
   * STROBE_OUT level changes with device times (ns), oldest first; the first entry is the level when
   * recording began. Each time is the timestamp the camera had at that edge, so a timestamp reset
   * shows as a restart; `since` is in the clock as set now.
   */
  strobeRecord(since?: bigint): StrobeEdge[];
  clearStrobeRecord(): void;
  /** The device clock (ns, Unix epoch unless the host reset the timestamp), the time base of every timestamp above. */
  now(): bigint;
}
