import { strict as assert } from 'node:assert';
import { applyLut, gammaLut, identityLut, transferTable } from '../../lib/emulator/dmk38gx541/transfer';

const base = { exposureUs: 10000, gainDb: 0, blackLevel: 0, gamma: 1, lutEnabled: false, lut: identityLut() };

describe('emulator: response (transfer table)', () => {
  it('is the identity at 10 ms, 0 dB, black level 0, gamma 1, LUT off', () => {
    const t = transferTable(base);
    for (let v = 0; v < 4096; v += 1) assert.equal(t[v], v);
  });

  it('adds the black level and clips at 4095', () => {
    const t = transferTable({ ...base, blackLevel: 240 });
    assert.equal(t[0], 240);
    assert.equal(t[1000], 1240);
    assert.equal(t[4000], 4095);
  });

  it('scales with exposure and gain: 20 ms, or 10 ms at +6.0206 dB, doubles the signal', () => {
    const byExposure = transferTable({ ...base, exposureUs: 20000 });
    const byGain = transferTable({ ...base, gainDb: 20 * Math.log10(2) });
    assert.equal(byExposure[1000], 2000);
    assert.ok(Math.abs(byGain[1000] - 2000) <= 1);
    assert.equal(byExposure[3000], 4095);
  });

  it('applies gamma as out = in^gamma through the 257-entry table', () => {
    const t = transferTable({ ...base, gamma: 0.5 });
    // 1024/4096 = 0.25 → 0.5 → 2048 (entry 64 exactly)
    assert.equal(t[1024], Math.round(65535 * 0.5) >> 4);
    assert.ok(t[100] > 100 && t[4000] < 4095);
  });

  it('interpolates the LUT between entries with the low 4 bits; gamma is ignored while it is on', () => {
    const lut = new Uint16Array(257);
    for (let i = 0; i < 257; i += 1) lut[i] = Math.min(65535, (256 - i) * 256); // inverting table
    const t = transferTable({ ...base, gamma: 3, lutEnabled: true, lut });
    assert.equal(t[0], 4095);
    assert.equal(t[2048], 2048);
    assert.equal(applyLut(lut, 8), (lut[0] + Math.floor(((lut[1] - lut[0]) * 8) / 16)) >> 4);
    assert.equal(t[8], (65535 - 128) >> 4);
  });

  it('has an identity factory LUT and a monotonic gamma table', () => {
    const lut = identityLut();
    assert.equal(lut[0], 0);
    assert.equal(lut[128], 32768);
    assert.equal(lut[256], 65535);
    const g = gammaLut(2.2);
    for (let i = 1; i < 257; i += 1) assert.ok(g[i] >= g[i - 1]);
  });
});
