/**
 * The native inspection scene: deterministic per seed and conveyor position, its geometry exactly as
 * documented (bright area of a good part, of a part with a hole, of one with a chipped corner,
 * counted in an independent way), a defect fraction as configured, noise that the transfer table
 * (gain) scales, and the same ROI / reverse mapping as the ramp.
 */
import { strict as assert } from 'node:assert';
import { emulatorNative, InspectionRenderParams } from '../../lib/emulator/native';
import { INSPECTION_SCENE as S } from '../../lib/emulator/dmk38gx541/scene';
import { PixelFormat } from '../../lib/stream/pixel-formats';

const SIDE = 4504;
const identity = new Uint16Array(4096).map((_, i) => i);

function params(extra: Partial<InspectionRenderParams> = {}): InspectionRenderParams {
  return {
    width: SIDE, height: SIDE, pixelFormat: PixelFormat.Mono8, originX: 0, originY: 0, stepX: 1, stepY: 1, binX: 1, binY: 1,
    reverseX: false, reverseY: false, position: 1, seed: 1, defectRate: 0.2, noiseSigma: 6, lut: identity, ...extra,
  };
}

function render(p: InspectionRenderParams): Buffer {
  const bytes = p.pixelFormat === PixelFormat.Mono8 ? 1 : 2;
  const dst = Buffer.alloc(p.width * p.height * bytes);
  assert.equal(emulatorNative.renderInspection(dst, p), dst.length);
  return dst;
}

/** Bright (part) pixels in the station's pitch cell of a full-sensor Mono8 image. */
function stationArea(image: Buffer): number {
  let bright = 0;
  for (let y = S.beltTop; y < S.beltBottom; y += 1) {
    for (let x = S.stationX - S.pitch / 2; x < S.stationX + S.pitch / 2; x += 1) if (image[y * SIDE + x] >= 128) bright += 1;
  }
  return bright;
}

/** Pixels a hole of radius r removes, row by row (|dy| < r: 2·⌊√(r² − dy²)⌋ + 1 columns). */
function holeArea(r: number): number {
  let area = 0;
  for (let dy = -r + 1; dy < r; dy += 1) area += 2 * Math.floor(Math.sqrt(r * r - dy * dy)) + 1;
  return area;
}

describe('native inspection scene', function () {
  this.timeout(60000);

  it('is the same for the same seed and position, and differs with either', () => {
    const small = { width: 640, height: 480, originX: 1900, originY: 2000 };
    const a = render(params({ ...small, seed: 5, position: 12 }));
    assert.deepEqual(render(params({ ...small, seed: 5, position: 12 })), a);
    assert.notDeepEqual(render(params({ ...small, seed: 6, position: 12 })), a);
    assert.notDeepEqual(render(params({ ...small, seed: 5, position: 13 })), a);
  });

  it('a good part is 900 × 1300 bright pixels at the station; a hole or a chipped corner removes exactly its area', () => {
    const seed = 11;
    const find = (kind: 'hole' | 'chip' | null): number => {
      for (let k = 1; k < 500; k += 1) {
        const d = emulatorNative.inspectionDefect(seed, k, 0.5);
        if ((d?.kind ?? null) === kind) return k;
      }
      throw new Error(`no ${kind} part among the first 500`);
    };
    const good = find(null);
    assert.equal(stationArea(render(params({ seed, position: good, defectRate: 0.5 }))), S.partWidth * S.partHeight);
    const holed = find('hole');
    const hole = emulatorNative.inspectionDefect(seed, holed, 0.5) as { kind: 'hole'; radius: number };
    assert.equal(stationArea(render(params({ seed, position: holed, defectRate: 0.5 }))), S.partWidth * S.partHeight - holeArea(hole.radius));
    const chipped = find('chip');
    const chip = emulatorNative.inspectionDefect(seed, chipped, 0.5) as { kind: 'chip'; leg: number };
    assert.equal(stationArea(render(params({ seed, position: chipped, defectRate: 0.5 }))), S.partWidth * S.partHeight - (chip.leg * (chip.leg + 1)) / 2);
    // The belt moved one pitch: the holed part is now one cell to the left of the station.
    const next = render(params({ seed, position: holed + 1, defectRate: 0.5 }));
    let shifted = 0;
    for (let y = S.beltTop; y < S.beltBottom; y += 1) {
      for (let x = S.stationX - (3 * S.pitch) / 2; x < S.stationX - S.pitch / 2; x += 1) if (next[y * SIDE + x] >= 128) shifted += 1;
    }
    assert.equal(shifted, S.partWidth * S.partHeight - holeArea(hole.radius));
  });

  it('makes the configured fraction of parts defective', () => {
    for (const rate of [0, 0.2, 1]) {
      let defective = 0;
      for (let k = 1; k <= 4000; k += 1) if (emulatorNative.inspectionDefect(3, k, rate)) defective += 1;
      assert.ok(Math.abs(defective / 4000 - rate) <= 0.02, `rate ${rate}: ${defective} of 4000`);
    }
  });

  it('noise: σ² = read noise² + photon noise, scaled by the transfer table as gain scales it', () => {
    // A belt patch (scene value 700) in Mono16 (12 bits in the MSBs).
    const patch = { width: 400, height: 100, originX: 1600, originY: 1400, pixelFormat: PixelFormat.Mono16, position: 1 };
    const sigmaOf = (image: Buffer): number => {
      const values: number[] = [];
      for (let i = 0; i < image.length; i += 2) values.push(image.readUInt16LE(i) >> 4);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    const expected = Math.sqrt(6 * 6 + 0.25 * S.values.belt);
    const flat = sigmaOf(render(params(patch)));
    assert.ok(Math.abs(flat - expected) / expected < 0.1, `σ ${flat.toFixed(2)} for an expected ${expected.toFixed(2)}`);
    const gain4 = new Uint16Array(4096).map((_, i) => Math.min(4095, i * 4));
    const amplified = sigmaOf(render(params({ ...patch, lut: gain4 })));
    assert.ok(Math.abs(amplified / flat - 4) < 0.4, `×4 gain: σ ${amplified.toFixed(2)} vs ${flat.toFixed(2)}`);
    assert.equal(sigmaOf(render(params({ ...patch, noiseSigma: 0 }))) < flat, true, 'photon noise only');
  });

  it('samples ROI, decimation and reverse like the ramp: an ROI is a crop of the full frame, noise included', () => {
    const full = render(params({ position: 4 }));
    const roi = { width: 300, height: 200, originX: 2000, originY: 1500, position: 4 };
    const crop = render(params(roi));
    for (let y = 0; y < 200; y += 1) assert.deepEqual(crop.subarray(y * 300, y * 300 + 300), full.subarray((1500 + y) * SIDE + 2000, (1500 + y) * SIDE + 2300));
    const mirrored = render(params({ ...roi, reverseX: true }));
    for (let x = 0; x < 300; x += 1) assert.equal(mirrored[x], crop[299 - x]);
    const decimated = render(params({ ...roi, width: 150, height: 100, stepX: 2, stepY: 2 }));
    assert.equal(decimated[10 * 150 + 7], full[(1500 + 20) * SIDE + 2000 + 14]);
    const packed = Buffer.alloc(Math.ceil((301 * 12) / 8) * 3);
    assert.equal(emulatorNative.renderInspection(packed, params({ ...roi, width: 301, height: 3, pixelFormat: PixelFormat.Mono12Packed })), packed.length);
    assert.throws(() => emulatorNative.renderInspection(Buffer.alloc(10), params({ defectRate: 2 })), /defectRate/);
  });
});
