import { strict as assert } from 'node:assert';
import { frameRateLimits, imageBytes, readoutTimeNs } from '../../lib/emulator/dmk38gx541/frame-rate';
import { PixelFormatCode } from '../../lib/emulator/dmk38gx541/features-image';

const link1500 = { packetSize: 1500, packetDelayNs: 0, extendedIds: false };

function maxFps(
  width: number,
  height: number,
  format: number,
  options: { binning?: number; skipping?: number; link?: typeof link1500 } = {},
): number {
  const geometry = { width, height, pixelFormat: format, binningVertical: options.binning ?? 1, decimationVertical: options.skipping ?? 1 };
  return frameRateLimits(geometry, imageBytes(width, height, format), options.link ?? link1500).max;
}

describe('emulator: frame-rate model (manual 5.1.4)', () => {
  // The manual's tables print the integer part of the maximum frame rate.
  const table: Array<[string, number, number, number, number]> = [
    ['Mono8', PixelFormatCode.Mono8, 4504, 4504, 5],
    ['Mono8', PixelFormatCode.Mono8, 1920, 1080, 30],
    ['Mono8', PixelFormatCode.Mono8, 640, 480, 62],
    ['Mono12Packed', PixelFormatCode.Mono12Packed, 4504, 4504, 3],
    ['Mono12Packed', PixelFormatCode.Mono12Packed, 1920, 1080, 30],
    ['Mono12Packed', PixelFormatCode.Mono12Packed, 640, 480, 62],
    ['Mono16', PixelFormatCode.Mono16, 4504, 4504, 2],
    ['Mono16', PixelFormatCode.Mono16, 1920, 1080, 28],
    ['Mono16', PixelFormatCode.Mono16, 640, 480, 62],
  ];
  for (const [name, format, w, h, expected] of table) {
    it(`${name} ${w}×${h}: ${expected} fps`, () => {
      assert.equal(Math.floor(maxFps(w, h, format)), expected);
    });
  }

  it('is limited by the link for large frames and by readout for small ones', () => {
    const big = frameRateLimits(
      { width: 4504, height: 4504, pixelFormat: PixelFormatCode.Mono8, binningVertical: 1, decimationVertical: 1 },
      4504 * 4504,
      link1500,
    );
    const small = frameRateLimits(
      { width: 640, height: 480, pixelFormat: PixelFormatCode.Mono8, binningVertical: 1, decimationVertical: 1 },
      640 * 480,
      link1500,
    );
    assert.equal(big.limitedBy, 'link');
    assert.equal(small.limitedBy, 'readout');
  });

  it('rises with jumbo packets and falls with a packet delay', () => {
    const base = maxFps(4504, 4504, PixelFormatCode.Mono8);
    assert.ok(
      maxFps(4504, 4504, PixelFormatCode.Mono8, { link: { packetSize: 9000, packetDelayNs: 0, extendedIds: false } }) > base * 1.03,
    );
    assert.ok(
      maxFps(4504, 4504, PixelFormatCode.Mono8, { link: { packetSize: 1500, packetDelayNs: 2000, extendedIds: false } }) < base * 0.9,
    );
  });

  it('skipping reads half the rows; binning reads them all', () => {
    const g = (height: number, binning: number, skipping: number) => ({
      width: 2252,
      height,
      pixelFormat: PixelFormatCode.Mono8,
      binningVertical: binning,
      decimationVertical: skipping,
    });
    assert.equal(readoutTimeNs(g(1000, 2, 1)), readoutTimeNs(g(2000, 1, 1)));
    assert.equal(readoutTimeNs(g(1000, 1, 2)), readoutTimeNs(g(1000, 1, 1)));
    assert.ok(maxFps(2252, 1000, PixelFormatCode.Mono8, { skipping: 2 }) > maxFps(2252, 1000, PixelFormatCode.Mono8, { binning: 2 }) * 1.5);
  });
});
