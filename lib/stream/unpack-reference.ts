/**
 * TypeScript references for the native unpackers (protocol reference §6), written from the byte
 * tables rather than from the C++, so tests can judge the native code bit for bit.
 *
 *   Mono12Packed (GigE): B0 = P0[11:4]  B1 = P1[3:0]<<4 | P0[3:0]  B2 = P1[11:4]
 *   Mono12p (PFNC):      B0 = P0[7:0]   B1 = P1[3:0]<<4 | P0[11:8] B2 = P1[11:4]
 * A line holds ceil(width × 12 / 8) bytes (+ paddingX); an odd width ends with the lone pixel's 2 bytes.
 */
import { PixelFormat, lineByteLength } from './pixel-formats';

export function unpack12Reference(format: number, src: Buffer, width: number, height: number, paddingX = 0): Buffer {
  const out = Buffer.alloc(2 * width * height);
  const stride = lineByteLength(format, width) + paddingX;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * stride + Math.floor(x / 2) * 3;
      const b0 = src[at];
      const b1 = src[at + 1];
      const b2 = x % 2 === 1 ? src[at + 2] : 0;
      let value: number;
      if (x % 2 === 1) value = (b2 << 4) | (b1 >> 4);
      else if (format === PixelFormat.Mono12Packed) value = (b0 << 4) | (b1 & 0x0f);
      else value = b0 | ((b1 & 0x0f) << 8);
      out.writeUInt16LE(value, 2 * (y * width + x));
    }
  }
  return out;
}

/** Packs 12-bit values into either layout: the inverse, for building test input. */
export function pack12Reference(format: number, values: ArrayLike<number>, width: number, height: number, paddingX = 0): Buffer {
  const stride = lineByteLength(format, width) + paddingX;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const p0 = values[y * width + x] & 0xfff;
      const p1 = x + 1 < width ? values[y * width + x + 1] & 0xfff : 0;
      const at = y * stride + (x / 2) * 3;
      out[at] = format === PixelFormat.Mono12Packed ? p0 >> 4 : p0 & 0xff;
      out[at + 1] = ((p1 & 0x0f) << 4) | (format === PixelFormat.Mono12Packed ? p0 & 0x0f : p0 >> 8);
      if (x + 1 < width) out[at + 2] = p1 >> 4;
    }
  }
  return out;
}
