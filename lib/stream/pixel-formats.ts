/**
 * PFNC pixel format codes (bits 31–24 colour class, 23–16 bits per pixel on the wire, 15–0 id) for
 * the monochrome formats this package streams and unpacks, and the byte length of an image.
 */
import { GigeError } from '../errors';

export const PixelFormat = {
  Mono8: 0x01080001,
  Mono10: 0x01100003,
  Mono10Packed: 0x010c0004,
  Mono12: 0x01100005,
  Mono12Packed: 0x010c0006,
  Mono16: 0x01100007,
  Mono10p: 0x010a0046,
  Mono12p: 0x010c0047,
} as const;

export type PixelFormatName = keyof typeof PixelFormat;

const namesByCode = new Map<number, PixelFormatName>(
  (Object.entries(PixelFormat) as [PixelFormatName, number][]).map(([name, code]) => [code, name]),
);

/** The PFNC name, or `0x…` hex when the code is not one of ours. */
export function pixelFormatName(code: number): string {
  return namesByCode.get(code) ?? `0x${(code >>> 0).toString(16).padStart(8, '0')}`;
}

export function pixelFormatCode(name: string): number {
  const code = (PixelFormat as Record<string, number>)[name];
  if (code === undefined) {
    throw new GigeError('INVALID_ARGUMENT', `pixel format '${name}' is unknown; allowed ${Object.keys(PixelFormat).join(', ')}`, {
      name,
    });
  }
  return code;
}

export function isKnownPixelFormat(code: number): boolean {
  return namesByCode.has(code);
}

/** Bits each pixel occupies on the wire (from the code itself, so it works for any PFNC code). */
export function bitsPerPixel(code: number): number {
  return (code >>> 16) & 0xff;
}

/** Bytes of one line: packed lines start on a byte boundary, so ceil(width × bits / 8). */
export function lineByteLength(format: number, width: number): number {
  return Math.ceil((width * bitsPerPixel(format)) / 8);
}

/** Bytes of a `width`×`height` image, with GVSP padding (bytes after each line / after the image). */
export function imageByteLength(format: number, width: number, height: number, paddingX = 0, paddingY = 0): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new GigeError('INVALID_ARGUMENT', `image size ${width}×${height} is invalid; width and height must be non-negative integers`, {
      width,
      height,
    });
  }
  return (lineByteLength(format, width) + paddingX) * height + paddingY;
}
