/**
 * Predicting emulated frames in tests: with ExposureTime 10000 µs, Gain 0 dB, BlackLevel 0, Gamma 1
 * and the LUT off, the emulator's transfer is the identity (docs/emulator.md), so a frame's bytes
 * are the scene reference (lib/stream/scene-reference.ts) at phase = block id.
 */
import { renderRampReference } from '../../lib/stream/scene-reference';
import type { Frame } from '../../lib/stream';

export const IDENTITY_SETTINGS: Array<[string, number | string]> = [
  ['ExposureAuto', 'Off'],
  ['GainAuto', 'Off'],
  ['ExposureTime', 10000],
  ['Gain', 0],
  ['BlackLevel', 0],
];

export const IDENTITY_SETTINGS_TEXT = IDENTITY_SETTINGS.map(([name, value]) => `${name}=${value}`).join('\n');

/** The bytes an emulated frame must have under IDENTITY_SETTINGS (no reverse, no binning). */
export function expectedFrameBytes(frame: Pick<Frame, 'width' | 'height' | 'pixelFormat' | 'offsetX' | 'offsetY' | 'blockId'>): Buffer {
  return renderRampReference({
    width: frame.width,
    height: frame.height,
    pixelFormat: frame.pixelFormat,
    originX: frame.offsetX,
    originY: frame.offsetY,
    phase: frame.blockId,
  });
}

/** Index of the first differing byte, or -1: a readable assertion for multi-megabyte buffers. */
export function firstDifference(actual: Buffer, expected: Buffer): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  if (actual.equals(expected)) return -1;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}
