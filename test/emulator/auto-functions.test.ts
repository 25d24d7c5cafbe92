/** Manual 5.3 and 5.9 observed from outside: auto exposure/gain converge, within limits, on the ROI. */
import { strict as assert } from 'node:assert';
import { Client, StreamHandle, configure, openClient } from './support/client';
import type { Frame } from '../../lib/stream';

function regionMean(frame: Frame, left: number, top: number, width: number, height: number): number {
  let sum = 0;
  for (let y = top; y < top + height; y += 1) for (let x = left; x < left + width; x += 1) sum += frame.data[y * frame.width + x];
  return sum / (width * height);
}

function saturatedFraction(frame: Frame): number {
  return frame.data.filter((v) => v >= 254).length / frame.data.length;
}

describe('emulator: 5.3 auto exposure and gain, 5.9 auto-function ROI', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  beforeEach(async () => {
    client = await openClient();
    // Defaults (both autos Continuous, reference 128) on a 640×480 crop (scene 2000 … 3118) at 60 fps.
    await configure(client, { Width: 640, Height: 480, AcquisitionFrameRate: 60, OffsetAutoCenter: 'Off', OffsetX: 1000, OffsetY: 1000 });
    stream = await client.openStream();
  });
  afterEach(async () => {
    await client?.close();
  });

  /** The last of `count` frames of one acquisition: the auto functions have had time to settle. */
  async function settle(count = 25): Promise<Frame> {
    const frames = await stream.grab(count, 8000);
    return frames[frames.length - 1];
  }

  it('converge on ExposureAutoReference (128 by default), raising exposure before gain', async () => {
    assert.equal(await client.get('ExposureAuto'), 'Continuous');
    const frame = await settle();
    const m = regionMean(frame, 0, 0, 640, 480);
    assert.ok(Math.abs(m - 128) < 2, `mean ${m}`);
    assert.equal(await client.get('Gain'), 0, 'the gain stays at its lower limit while exposure suffices');
    assert.notEqual(await client.get('ExposureTime'), 10000);
    await client.set('ExposureAutoReference', 60);
    const darker = await settle();
    assert.ok(Math.abs(regionMean(darker, 0, 0, 640, 480) - 60) < 2);
  });

  it('respect the exposure limits: at the upper limit the gain makes up the rest', async () => {
    await configure(client, { ExposureAutoUpperLimitAuto: 'Off', ExposureAutoUpperLimit: 3000, ExposureAutoReference: 150 });
    const frame = await settle();
    assert.equal(await client.get('ExposureTime'), 3000);
    const gain = Number(await client.get('Gain'));
    assert.ok(gain > 1 && gain < 48, `gain ${gain}`);
    assert.ok(Math.abs(regionMean(frame, 0, 0, 640, 480) - 150) < 2);
  });

  it('respect the exposure lower limit and the gain upper limit', async () => {
    await configure(client, { ExposureAutoLowerLimit: 4000, ExposureAutoReference: 20, GainAuto: 'Off' });
    await settle();
    assert.equal(await client.get('ExposureTime'), 4000);
    await configure(client, {
      ExposureAutoReference: 250,
      ExposureAutoLowerLimit: 2,
      ExposureAutoUpperLimitAuto: 'Off',
      ExposureAutoUpperLimit: 500,
    });
    await configure(client, { ExposureAuto: 'Off', ExposureTime: 500, GainAuto: 'Continuous', GainAutoUpperLimit: 12 });
    await settle();
    assert.equal(await client.get('Gain'), 12);
  });

  it('lower the gain first: a high manual gain returns to GainAutoLowerLimit once auto gain runs', async () => {
    await configure(client, { GainAuto: 'Off', ExposureAuto: 'Off', Gain: 18, GainAutoLowerLimit: 2 });
    await configure(client, { GainAuto: 'Continuous', ExposureAuto: 'Continuous' });
    const frame = await settle();
    assert.ok(Math.abs(Number(await client.get('Gain')) - 2) < 1e-9);
    assert.ok(Math.abs(regionMean(frame, 0, 0, 640, 480) - 128) < 2);
  });

  it('ExposureAutoUpperLimitAuto keeps the upper limit at the frame period', async () => {
    assert.equal(await client.get('ExposureAutoUpperLimitAuto'), 'On');
    await client.set('AcquisitionFrameRate', 20);
    assert.ok(Math.abs(Number(await client.get('ExposureAutoUpperLimit')) - 50000) < 1e-6);
    assert.equal(await client.map.isWritable('ExposureAutoUpperLimit'), false);
  });

  it('measure only the auto-function ROI: TopHalf and BottomHalf settle differently', async () => {
    await configure(client, { AutoFunctionsROIEnable: true, AutoFunctionsROI_Preset: 'TopHalf' });
    assert.equal(await client.get('AutoFunctionsROIHeight'), 240);
    const top = await settle();
    const exposureTop = Number(await client.get('ExposureTime'));
    assert.ok(Math.abs(regionMean(top, 0, 0, 640, 240) - 128) < 2, 'the top half is at the reference');
    await client.set('AutoFunctionsROI_Preset', 'BottomHalf');
    const bottom = await settle();
    const exposureBottom = Number(await client.get('ExposureTime'));
    assert.ok(Math.abs(regionMean(bottom, 0, 240, 640, 240) - 128) < 2, 'the bottom half is at the reference');
    assert.ok(exposureTop > exposureBottom * 1.02, `top ${exposureTop} µs vs bottom ${exposureBottom} µs (the ramp is darker at the top)`);
    await configure(client, {
      AutoFunctionsROI_Preset: 'CustomRectangle',
      AutoFunctionsROI_Left: 0,
      AutoFunctionsROI_Top: 0,
      AutoFunctionsROIWidth: 64,
      AutoFunctionsROIHeight: 48,
    });
    const corner = await settle();
    assert.ok(Math.abs(regionMean(corner, 0, 0, 64, 48) - 128) < 3, 'a custom rectangle is measured too');
  });

  it('ExposureAutoHighlightReduction keeps highlights below saturation', async () => {
    await configure(client, { ExposureAutoReference: 230 });
    const plain = await settle();
    assert.ok(saturatedFraction(plain) > 0.05, `without highlight reduction ${saturatedFraction(plain)} saturate`);
    await client.set('ExposureAutoHighlightReduction', true);
    const reduced = await settle();
    assert.ok(saturatedFraction(reduced) <= 0.011, `with highlight reduction ${saturatedFraction(reduced)} saturate`);
    assert.ok(regionMean(reduced, 0, 0, 640, 480) < regionMean(plain, 0, 0, 640, 480) - 5);
  });
});
