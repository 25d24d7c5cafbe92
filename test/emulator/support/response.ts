/**
 * The response and scene as docs/emulator.md states them, written out independently of the
 * emulator's implementation so tests can predict exact bytes and mean levels.
 */
import { renderRampReference } from '../../../lib/stream/scene-reference';
import type { Frame } from '../../../lib/stream';

export interface Response {
  exposureUs: number;
  gainDb: number;
  blackLevel: number;
  gamma?: number;
  /** 257-entry LUT when LUTEnable is on. */
  lut?: number[];
}

function interpolate(table: ArrayLike<number>, s: number): number {
  const i = s >> 4;
  const f = s & 15;
  return (table[i] + Math.floor(((table[i + 1] - table[i]) * f) / 16)) >> 4;
}

/** The documented transfer table: scene value 0 … 4095 → 12-bit output. */
export function documentedTransfer(r: Response): Uint16Array {
  const k = (r.exposureUs / 10000) * 10 ** (r.gainDb / 20);
  const gamma = r.gamma ?? 1;
  const g = Array.from({ length: 257 }, (_, i) => Math.round(65535 * (i / 256) ** gamma));
  const out = new Uint16Array(4096);
  for (let v = 0; v < 4096; v += 1) {
    const s = Math.min(4095, Math.floor(r.blackLevel + v * k));
    out[v] = r.lut ? interpolate(r.lut, s) : gamma !== 1 ? interpolate(g, s) : s;
  }
  return out;
}

export interface Placement {
  originX?: number;
  originY?: number;
  stepX?: number;
  stepY?: number;
  binX?: number;
  binY?: number;
  reverseX?: boolean;
  reverseY?: boolean;
}

/** What a received frame must contain: the scene at phase = block id through `response`. */
export function expectedImage(frame: Frame, placement: Placement, response?: Response): Buffer {
  return renderRampReference({
    width: frame.width,
    height: frame.height,
    pixelFormat: frame.pixelFormat,
    phase: frame.blockId,
    ...placement,
    lut: response ? documentedTransfer(response) : undefined,
  });
}
