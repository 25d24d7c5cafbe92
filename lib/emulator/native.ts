/**
 * Native functions only the emulator uses: the host clock offset of its PTP time base and the
 * inspection scene renderer. They live in the same addon as the streaming core, whose shared
 * functions are typed in lib/stream/native.ts.
 */
import { native } from '../stream/native';

export interface InspectionRenderParams {
  width: number;
  height: number;
  pixelFormat: number;
  originX: number;
  originY: number;
  stepX: number;
  stepY: number;
  binX: number;
  binY: number;
  reverseX: boolean;
  reverseY: boolean;
  /** Which conveyor position this frame shows (advances one pitch per frame). */
  position: number;
  seed: number;
  /** Fraction of parts that carry a defect, 0 … 1. */
  defectRate: number;
  /** Read noise, standard deviation in 12-bit scene units before gain (the transfer table applies gain). */
  noiseSigma: number;
  lut: Uint16Array;
}

export type InspectionDefect =
  { kind: 'hole'; x: number; y: number; radius: number } | { kind: 'chip'; corner: 0 | 1 | 2 | 3; leg: number };

export interface EmulatorNative {
  /** CLOCK_REALTIME − CLOCK_MONOTONIC in ns. */
  hostClockOffset(): bigint;
  renderInspection(dst: Buffer, params: InspectionRenderParams): number;
  /** Part `part`'s defect in part coordinates (origin: its top-left corner), or null for a good part. */
  inspectionDefect(seed: number, part: number, defectRate: number): InspectionDefect | null;
}

export const emulatorNative = native as unknown as EmulatorNative;
