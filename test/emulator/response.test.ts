/** Manual 5.2 and 5.8 observed in the frames: exposure, gain, black level, gamma and the LUT. */
import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, mean, openClient } from './support/client';
import { Response, documentedTransfer, expectedImage } from './support/response';

describe('emulator: 5.2 sensor control and 5.8 image processing, observed in the frames', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  before(async () => {
    client = await openClient();
    await configure(client, {
      ...IDENTITY_RESPONSE,
      Width: 640,
      Height: 480,
      AcquisitionFrameRate: 30,
      OffsetAutoCenter: 'Off',
      OffsetX: 0,
      OffsetY: 0,
    });
    stream = await client.openStream();
  });
  after(async () => {
    await client?.close();
  });

  async function check(settings: Record<string, unknown>, response: Response): Promise<number> {
    await configure(client, settings);
    const [frame] = await stream.grab(1);
    assert.ok(
      frame.data.equals(expectedImage(frame, {}, response)),
      `frame differs from the documented response ${JSON.stringify(response)}`,
    );
    return mean(frame.data);
  }

  it('5.2.3 BlackLevel (12-bit units) lifts every pixel: +240 → +15 in Mono8', async () => {
    const dark = await check({ BlackLevel: 0 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0 });
    const lifted = await check({ BlackLevel: 240 }, { exposureUs: 10000, gainDb: 0, blackLevel: 240 });
    assert.ok(Math.abs(lifted - dark - 15) < 0.6, `mean ${dark} → ${lifted}`);
  });

  it('5.2.1 ExposureTime scales the signal: 5 ms halves it', async () => {
    const full = await check({ BlackLevel: 0, ExposureTime: 10000 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0 });
    const half = await check({ ExposureTime: 5000 }, { exposureUs: 5000, gainDb: 0, blackLevel: 0 });
    assert.ok(Math.abs(half - full / 2) < 0.6, `mean ${full} → ${half}`);
  });

  it('5.2.2 Gain scales the signal: +6.02 dB doubles it, and it clips at full scale', async () => {
    const base = await check({ ExposureTime: 5000, Gain: 0 }, { exposureUs: 5000, gainDb: 0, blackLevel: 0 });
    const doubled = await check({ Gain: 6.0206 }, { exposureUs: 5000, gainDb: 6.0206, blackLevel: 0 });
    assert.ok(Math.abs(doubled - 2 * base) < 1, `mean ${base} → ${doubled}`);
    const [frame] = await (async () => {
      await configure(client, { Gain: 48 });
      return stream.grab(1);
    })();
    const saturated = frame.data.filter((v) => v === 255).length / frame.data.length;
    assert.ok(saturated > 0.99, `at 48 dB ${saturated} of the pixels saturate`);
    await configure(client, { Gain: 0, ExposureTime: 10000 });
  });

  it('5.8.1 Gamma brightens below 1, darkens above 1, through the 257-entry table', async () => {
    const linear = await check({ Gamma: 1 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0 });
    const bright = await check({ Gamma: 0.5 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0, gamma: 0.5 });
    const dark = await check({ Gamma: 2.2 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0, gamma: 2.2 });
    assert.ok(bright > linear + 10 && dark < linear - 10, `${dark} < ${linear} < ${bright}`);
  });

  it('5.8.2 the LUT (LUTIndex/LUTValue and LUTValueAll) replaces gamma while enabled', async () => {
    const inverted = Array.from({ length: 257 }, (_, i) => Math.min(65535, (256 - i) * 256));
    const all = Buffer.alloc(257 * 4);
    inverted.forEach((v, i) => all.writeUInt32BE(v, i * 4));
    await client.set('LUTValueAll', all);
    await client.set('LUTIndex', 3);
    assert.equal(await client.get('LUTValue'), inverted[3]);
    await client.set('LUTValue', 1234);
    inverted[3] = 1234;
    assert.equal(((await client.get('LUTValueAll')) as Buffer).readUInt32BE(12), 1234);
    await check({ LUTEnable: true, Gamma: 2.2 }, { exposureUs: 10000, gainDb: 0, blackLevel: 0, lut: inverted });
    await configure(client, { LUTEnable: false, Gamma: 1 });
  });

  it('predicts the mean level from the documented response (full sensor)', async () => {
    await configure(client, { Width: 4504, Height: 4504, BlackLevel: 240, ExposureTime: 7000, Gain: 3 });
    const big = await client.openStream({ maxPayloadSize: 4504 * 4504 });
    const [frame] = await big.grab(1, 8000);
    const table = documentedTransfer({ exposureUs: 7000, gainDb: 3, blackLevel: 240 });
    // x + y over 4504 × 4504 pixels has a triangular histogram: s occurs min(s + 1, 9007 − s) times.
    const n = Number(frame.blockId % 4096n);
    let predicted = 0;
    for (let sum = 0; sum <= 9006; sum += 1) predicted += Math.min(sum + 1, 9007 - sum) * (table[(sum + n) % 4096] >> 4);
    predicted /= 4504 * 4504;
    const measured = mean(frame.data);
    assert.ok(Math.abs(measured - predicted) < 1e-9, `measured ${measured}, predicted ${predicted}`);
  });
});
