/**
 * A deliberately literal TypeScript version of the emulator's scene (docs/architecture.md, "The
 * scene"), used by tests to predict the bytes of emulated frames. It follows the formula pixel by
 * pixel — the native renderer takes shortcuts, this must not, so that it can judge them.
 *
 *   ramp(sx, sy, n) = (sx + sy + n) mod 4096
 *   ox = reverseX ? width-1-x : x            oy = reverseY ? height-1-y : y
 *   sx = originX + ox*stepX                  sy = originY + oy*stepY
 *   v  = floor(mean over i<binX, j<binY of ramp(sx+i, sy+j, n))
 *   out = lut[v]  (12-bit)  →  Mono8 out>>4, Mono10 out>>2, Mono12 out, Mono16 out<<4 (LE),
 *                              Mono12Packed / Mono12p: out, packed, each line on a byte boundary
 */
import { GigeError } from '../errors';
import type { RampParams } from './native';
import { PixelFormat, imageByteLength, lineByteLength, pixelFormatName } from './pixel-formats';

export const RAMP_PERIOD = 4096;

function ramp(sx: number, sy: number, n: number): number {
  return (sx + sy + n) % RAMP_PERIOD;
}

/** The 12-bit value (after the transfer table) of output pixel (x, y). */
export function rampValue(params: RampParams, x: number, y: number): number {
  const { width, height } = params;
  const stepX = params.stepX ?? 1;
  const stepY = params.stepY ?? 1;
  const binX = params.binX ?? 1;
  const binY = params.binY ?? 1;
  const n = Number(BigInt(params.phase ?? 0) % BigInt(RAMP_PERIOD));
  const ox = params.reverseX ? width - 1 - x : x;
  const oy = params.reverseY ? height - 1 - y : y;
  const sx = (params.originX ?? 0) + ox * stepX;
  const sy = (params.originY ?? 0) + oy * stepY;
  let sum = 0;
  for (let j = 0; j < binY; j++) {
    for (let i = 0; i < binX; i++) sum += ramp(sx + i, sy + j, n);
  }
  const v = Math.floor(sum / (binX * binY));
  return params.lut ? params.lut[v] : v;
}

/** The stored pixel value for the format: what an unpacked Mono16 view of the frame holds. */
export function rampPixel(params: RampParams, x: number, y: number): number {
  const v = rampValue(params, x, y);
  switch (params.pixelFormat) {
    case PixelFormat.Mono8:
      return v >> 4;
    case PixelFormat.Mono10:
      return v >> 2;
    case PixelFormat.Mono16:
      return (v << 4) & 0xffff;
    case PixelFormat.Mono12:
    case PixelFormat.Mono12Packed:
    case PixelFormat.Mono12p:
      return v;
    default:
      throw new GigeError(
        'INVALID_ARGUMENT',
        `the scene has no ${pixelFormatName(params.pixelFormat)} rendering; allowed Mono8, Mono10, Mono12, Mono16, Mono12Packed, Mono12p`,
      );
  }
}

/** Packs two 12-bit pixels into 3 bytes (GigE Vision Mono12Packed or PFNC Mono12p). */
export function pack12(format: number, p0: number, p1: number, out: Buffer, at: number): void {
  if (format === PixelFormat.Mono12Packed) {
    out[at] = p0 >> 4;
    out[at + 1] = ((p1 & 0x0f) << 4) | (p0 & 0x0f);
    out[at + 2] = p1 >> 4;
  } else {
    out[at] = p0 & 0xff;
    out[at + 1] = ((p1 & 0x0f) << 4) | (p0 >> 8);
    out[at + 2] = p1 >> 4;
  }
}

/** One line of the image, as bytes on the wire. */
export function renderRampLineReference(params: RampParams, y: number): Buffer {
  const { width, pixelFormat } = params;
  const line = Buffer.alloc(lineByteLength(pixelFormat, width));
  if (pixelFormat === PixelFormat.Mono12Packed || pixelFormat === PixelFormat.Mono12p) {
    for (let x = 0; x + 1 < width; x += 2) {
      pack12(pixelFormat, rampPixel(params, x, y), rampPixel(params, x + 1, y), line, (x / 2) * 3);
    }
    if (width % 2 === 1) {
      // The lone last pixel: its bits as if paired with a zero pixel, on the line's last 2 bytes.
      const tail = Buffer.alloc(3);
      pack12(pixelFormat, rampPixel(params, width - 1, y), 0, tail, 0);
      tail.copy(line, ((width - 1) / 2) * 3, 0, 2);
    }
    return line;
  }
  for (let x = 0; x < width; x++) {
    const value = rampPixel(params, x, y);
    if (pixelFormat === PixelFormat.Mono8) line[x] = value;
    else line.writeUInt16LE(value, 2 * x);
  }
  return line;
}

/** The whole image as bytes on the wire (lines back to back, no padding). */
export function renderRampReference(params: RampParams): Buffer {
  const lineLength = lineByteLength(params.pixelFormat, params.width);
  const image = Buffer.alloc(imageByteLength(params.pixelFormat, params.width, params.height));
  for (let y = 0; y < params.height; y++) renderRampLineReference(params, y).copy(image, y * lineLength);
  return image;
}
