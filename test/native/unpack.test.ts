import { strict as assert } from 'node:assert';

import { renderRamp, unpackMono12Packed, unpackMono12p, unpackToMono16 } from '../../lib/stream/native';
import { PixelFormat, imageByteLength } from '../../lib/stream/pixel-formats';
import { rampPixel } from '../../lib/stream/scene-reference';
import { pack12Reference, unpack12Reference } from '../../lib/stream/unpack-reference';

// A fixed pseudo-random sequence, so a failure is reproducible.
function values(count: number, bits: number, seed = 1): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> (32 - bits);
  });
}

function asArray(buffer: Buffer): number[] {
  return Array.from({ length: buffer.length / 2 }, (_, i) => buffer.readUInt16LE(2 * i));
}

const unpackers = {
  Mono12Packed: unpackMono12Packed,
  Mono12p: unpackMono12p,
} as const;

describe('native pixel unpacking → 16-bit little-endian', () => {
  for (const [name, unpack] of Object.entries(unpackers)) {
    const format = PixelFormat[name as keyof typeof unpackers];
    it(`${name}: bit-exact against the TypeScript reference for odd and even widths`, () => {
      for (const [width, height] of [[1, 1], [2, 1], [3, 2], [5, 3], [7, 7], [64, 4], [333, 5], [4504, 2]]) {
        const pixels = values(width * height, 12, width * 31 + height);
        const packed = pack12Reference(format, pixels, width, height);
        assert.equal(packed.length, imageByteLength(format, width, height));
        const out = unpack(packed, width, height);
        assert.deepEqual(asArray(out), pixels, `${width}×${height}`);
        assert.ok(out.equals(unpack12Reference(format, packed, width, height)));
      }
    });

    it(`${name}: honours line padding and writes into a caller's buffer`, () => {
      const width = 9;
      const height = 4;
      const pixels = values(width * height, 12, 99);
      const packed = pack12Reference(format, pixels, width, height, 3);
      const dst = Buffer.alloc(2 * width * height);
      const out = unpack(packed, width, height, { paddingX: 3, dst });
      assert.equal(out, dst);
      assert.deepEqual(asArray(dst), pixels);
    });

    it(`${name}: unpacks the emulator's scene to the reference pixel values`, () => {
      const params = { width: 101, height: 3, pixelFormat: format, phase: 4000, reverseX: true };
      const image = Buffer.alloc(imageByteLength(format, params.width, params.height));
      renderRamp(image, params);
      const out = asArray(unpack(image, params.width, params.height));
      for (let y = 0; y < params.height; y++) {
        for (let x = 0; x < params.width; x++) assert.equal(out[y * params.width + x], rampPixel(params, x, y), `(${x}, ${y})`);
      }
    });
  }

  it('the two 12-bit layouts differ exactly in the first pixel of each pair', () => {
    const bytes = Buffer.from([0xab, 0xcd, 0xef]);
    assert.deepEqual(asArray(unpackMono12Packed(bytes, 2, 1)), [0xabd, 0xefc]);
    assert.deepEqual(asArray(unpackMono12p(bytes, 2, 1)), [0xdab, 0xefc]);
  });

  it('unpackToMono16 covers Mono8, Mono10, Mono12, Mono16, Mono10Packed and Mono10p', () => {
    const width = 7;
    const height = 2;
    const eight = values(width * height, 8, 3);
    assert.deepEqual(asArray(unpackToMono16(Buffer.from(eight), PixelFormat.Mono8, width, height)), eight);
    const ten = values(width * height, 10, 4);
    const words = Buffer.alloc(2 * ten.length);
    ten.forEach((v, i) => words.writeUInt16LE(v, 2 * i));
    for (const f of [PixelFormat.Mono10, PixelFormat.Mono12, PixelFormat.Mono16]) {
      assert.deepEqual(asArray(unpackToMono16(words, f, width, height)), ten);
    }
    // Mono10p: an LSB-first bit stream per line (ceil(7 × 10 / 8) = 9 bytes per line).
    const stream = Buffer.alloc(9 * height);
    ten.forEach((v, i) => {
      const y = Math.floor(i / width);
      const bit = (i % width) * 10;
      for (let b = 0; b < 10; b++) if ((v >> b) & 1) stream[y * 9 + ((bit + b) >> 3)] |= 1 << ((bit + b) & 7);
    });
    assert.deepEqual(asArray(unpackToMono16(stream, PixelFormat.Mono10p, width, height)), ten);
    // Mono10Packed (GigE): B0 = P0[9:2], B1 = P1[1:0]<<4 | P0[1:0], B2 = P1[9:2]; 11 bytes per 7-pixel line.
    const gev = Buffer.alloc(11 * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x += 2) {
        const p0 = ten[y * width + x];
        const p1 = x + 1 < width ? ten[y * width + x + 1] : 0;
        const at = y * 11 + (x / 2) * 3;
        gev[at] = p0 >> 2;
        gev[at + 1] = ((p1 & 3) << 4) | (p0 & 3);
        if (x + 1 < width) gev[at + 2] = p1 >> 2;
      }
    }
    assert.deepEqual(asArray(unpackToMono16(gev, PixelFormat.Mono10Packed, width, height)), ten);
  });

  it('refuses short sources, small destinations and unknown formats with the sizes involved', () => {
    assert.throws(() => unpackMono12Packed(Buffer.alloc(10), 8, 2), /src holds 10 bytes; 8×2 needs 24/);
    assert.throws(() => unpackMono12p(Buffer.alloc(24), 8, 2, Buffer.alloc(4)), /dst holds 4 bytes; needs 32/);
    assert.throws(() => unpackToMono16(Buffer.alloc(24), 0x02180014, 8, 1), /is not supported; allowed Mono8/);
    assert.throws(() => unpackMono12p(Buffer.alloc(24), 0, 1), /out of range/);
    const shared = Buffer.alloc(64);
    assert.throws(() => unpackMono12p(shared.subarray(0, 12), 8, 1, shared.subarray(8, 24)), /must not overlap/);
  });
});
