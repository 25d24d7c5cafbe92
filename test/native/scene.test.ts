import { strict as assert } from 'node:assert';

import { GigeError } from '../../lib/errors';
import { renderRamp, type RampParams } from '../../lib/stream/native';
import { PixelFormat, imageByteLength } from '../../lib/stream/pixel-formats';
import { renderRampLineReference, renderRampReference, rampValue } from '../../lib/stream/scene-reference';

function renderNative(params: RampParams): Buffer {
  const dst = Buffer.alloc(imageByteLength(params.pixelFormat, params.width, params.height));
  const written = renderRamp(dst, params);
  assert.equal(written, dst.length);
  return dst;
}

const formats = ['Mono8', 'Mono10', 'Mono12', 'Mono16', 'Mono12Packed', 'Mono12p'] as const;

describe('native renderRamp (the emulated scene)', () => {
  for (const name of formats) {
    it(`matches the TypeScript reference for ${name} across geometries`, () => {
      const cases: Partial<RampParams>[] = [
        { width: 16, height: 3 },
        { width: 17, height: 5, originX: 4000, originY: 90, phase: 4090 },
        { width: 33, height: 4, reverseX: true, phase: 7 },
        { width: 9, height: 6, reverseY: true, stepX: 2, stepY: 3 },
        { width: 11, height: 5, binX: 2, binY: 2, originX: 4093 },
        { width: 5000, height: 2, phase: 123 }, // longer than one ramp period
        { width: 7, height: 7, binX: 4, binY: 3, stepX: 4, stepY: 3, reverseX: true, reverseY: true },
      ];
      for (const c of cases) {
        const params = { pixelFormat: PixelFormat[name], ...c } as RampParams;
        assert.deepEqual(renderNative(params), renderRampReference(params), JSON.stringify(c));
      }
    });
  }

  it('applies the transfer table before the format conversion', () => {
    const lut = new Uint16Array(4096);
    for (let i = 0; i < 4096; i++) lut[i] = 4095 - i;
    for (const name of formats) {
      const params: RampParams = { width: 21, height: 3, pixelFormat: PixelFormat[name], lut, phase: 5 };
      assert.deepEqual(renderNative(params), renderRampReference(params), name);
    }
    assert.equal(rampValue({ width: 1, height: 1, pixelFormat: PixelFormat.Mono8, lut }, 0, 0), 4095);
  });

  it('writes the identity scene as the architecture page states (Mono8 = v >> 4, Mono16 = v << 4)', () => {
    const mono8 = renderNative({ width: 4096, height: 1, pixelFormat: PixelFormat.Mono8, phase: 16 });
    assert.equal(mono8[0], 1); // v = 16
    assert.equal(mono8[4079], 255); // v = 4095
    assert.equal(mono8[4080], 0); // wraps
    const mono16 = renderNative({ width: 2, height: 1, pixelFormat: PixelFormat.Mono16, phase: 4095 });
    assert.equal(mono16.readUInt16LE(0), 4095 << 4);
    assert.equal(mono16.readUInt16LE(2), 0);
  });

  it('renders a full 4504×4504 Mono8 sensor frame matching the reference on sampled lines', () => {
    const params: RampParams = { width: 4504, height: 4504, pixelFormat: PixelFormat.Mono8, phase: 77 };
    const image = renderNative(params);
    for (const y of [0, 1, 2047, 4095, 4096, 4503]) {
      assert.deepEqual(image.subarray(y * 4504, (y + 1) * 4504), renderRampLineReference(params, y), `line ${y}`);
    }
  });

  it('refuses bad input with a GigeError that names what is allowed', () => {
    const dst = Buffer.alloc(100);
    assert.throws(() => renderRamp(dst, { width: 10, height: 10, pixelFormat: 0x01080099 }), (e: unknown) => {
      return e instanceof GigeError && e.code === 'OUT_OF_RANGE' && /allowed Mono8/.test(e.message);
    });
    assert.throws(() => renderRamp(dst, { width: 11, height: 10, pixelFormat: PixelFormat.Mono8 }), /needs 110/);
    const lut = new Uint16Array(4096);
    lut[17] = 5000;
    assert.throws(() => renderRamp(dst, { width: 10, height: 10, pixelFormat: PixelFormat.Mono8, lut }), /lut\[17\] = 5000 is out of range; allowed 0 … 4095/);
    assert.throws(() => renderRamp(dst, { width: 10, height: 10, pixelFormat: PixelFormat.Mono8, lut: new Uint16Array(10) }), /4096 entries/);
    assert.throws(() => renderRamp(dst, { width: 0, height: 10, pixelFormat: PixelFormat.Mono8 }), /width = 0 is out of range/);
    assert.throws(() => renderRamp(dst, { width: 10, height: 1, pixelFormat: PixelFormat.Mono8, binX: 0 }), /binX = 0/);
  });
});
