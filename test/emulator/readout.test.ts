/** Manual 5.1 observed in received frames: formats, readout modes, offsets, flipping, frame timing. */
import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, openClient } from './support/client';
import { expectedImage } from './support/response';

describe('emulator: 5.1 sensor readout, observed in the frames', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  before(async () => {
    client = await openClient();
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 40 });
    stream = await client.openStream();
  });
  after(async () => {
    await client?.close();
  });

  async function grab(settings: Record<string, unknown>, count = 2) {
    await configure(client, settings);
    return stream.grab(count);
  }

  for (const format of ['Mono8', 'Mono12Packed', 'Mono16']) {
    it(`5.1.1 ${format}: the documented pattern, byte for byte (12-bit data in the MSBs for Mono16)`, async () => {
      const [frame] = await grab({ PixelFormat: format, OffsetAutoCenter: 'Off', OffsetX: 0, OffsetY: 0 }, 1);
      assert.equal(frame.pixelFormatName, format);
      assert.ok(frame.data.equals(expectedImage(frame, {})), `${format} frame differs`);
      if (format === 'Mono16') assert.equal(frame.data.readUInt16LE(2) & 0x000f, 0);
    });
  }

  it('5.1.3 Skipping 2X and Binning 2X halve WidthMax/HeightMax; binning averages pixel pairs', async () => {
    await configure(client, { PixelFormat: 'Mono8', OffsetAutoCenter: 'Off', OffsetX: 8, OffsetY: 4 });
    await configure(client, { DecimationHorizontal: 2, BinningVertical: 2 });
    assert.equal(await client.get('WidthMax'), 2252);
    assert.equal(await client.get('HeightMax'), 2252);
    const [skipped] = await grab({}, 1);
    assert.ok(skipped.data.equals(expectedImage(skipped, { originX: 16, originY: 8, stepX: 2, stepY: 2, binY: 2 })));
    await configure(client, { BinningHorizontal: 2 });
    assert.equal(await client.get('DecimationHorizontal'), 1, 'binning resets skipping on the same axis');
    const [binned] = await grab({}, 1);
    assert.ok(binned.data.equals(expectedImage(binned, { originX: 16, originY: 8, stepX: 2, stepY: 2, binX: 2, binY: 2 })));
    await configure(client, { BinningHorizontal: 1, BinningVertical: 1 });
  });

  it('5.1.3/5.1.4 skipping rows raises the maximum frame rate; binning rows does not', async () => {
    await configure(client, { Width: 1920, Height: 1000 });
    const base = Number((await client.map.describe('AcquisitionFrameRate')).max);
    await client.set('DecimationVertical', 2);
    const skipping = Number((await client.map.describe('AcquisitionFrameRate')).max);
    await client.set('BinningVertical', 2);
    const binning = Number((await client.map.describe('AcquisitionFrameRate')).max);
    await configure(client, { BinningVertical: 1, Width: 640, Height: 480 });
    assert.ok(Math.abs(base - 1e9 / (2_560_000 + 1000 * 28_000)) < 1e-6, `default: ${base}`);
    assert.ok(Math.abs(skipping - base) < 1e-6, `skipping 2X reads the same 1000 rows: ${skipping}`);
    assert.ok(Math.abs(binning - 1e9 / (2_560_000 + 2000 * 28_000)) < 1e-6, `binning 2X reads 2000 rows: ${binning}`);
  });

  it('5.1.5 OffsetAutoCenter centres the region; manual offsets are clamped to the largest valid one', async () => {
    await configure(client, { OffsetAutoCenter: 'On', Width: 640, Height: 480 });
    assert.equal(await client.get('OffsetX'), 1932);
    assert.equal(await client.get('OffsetY'), 2012);
    const [centred] = await grab({}, 1);
    assert.equal(centred.offsetX, 1932);
    assert.ok(centred.data.equals(expectedImage(centred, { originX: 1932, originY: 2012 })));
    await configure(client, { OffsetAutoCenter: 'Off', OffsetX: 3896, OffsetY: 4496 });
    assert.equal(await client.get('OffsetX'), 3864, '4504 − 640');
    assert.equal(await client.get('OffsetY'), 4024, '4504 − 480');
    const [clamped] = await grab({}, 1);
    assert.equal(clamped.offsetX, 3864);
    assert.equal(clamped.offsetY, 4024);
    await configure(client, { Width: 608 });
    assert.equal(await client.get('OffsetX'), 3896, 'the written offset applies once it fits');
    await configure(client, { Width: 640, OffsetX: 0, OffsetY: 0 });
  });

  it('5.1.6 ReverseX/ReverseY flip the image', async () => {
    const [frame] = await grab({ ReverseX: true, ReverseY: true }, 1);
    assert.ok(frame.data.equals(expectedImage(frame, { reverseX: true, reverseY: true })));
    await configure(client, { ReverseX: false, ReverseY: false });
  });

  it('5.1.4 frames start exactly 1/AcquisitionFrameRate apart (leader timestamp = start of exposure)', async () => {
    const frames = await grab({ AcquisitionFrameRate: 25, ExposureTime: 10000 }, 4);
    for (let i = 1; i < frames.length; i += 1) assert.equal(frames[i].timestamp - frames[i - 1].timestamp, 40_000_000n);
  });

  it('frames are made ahead and held by the sender until their readout ends (not sent by a late Node timer)', async () => {
    const before = client.camera.stats().device.sender!;
    const frames = await grab({ AcquisitionFrameRate: 25, ExposureTime: 10000 }, 10);
    const after = client.camera.stats().device.sender!;
    // 480 rows read out in 16 ms: each frame is queued up to 10 ms ahead. A frame whose hand-over
    // ran over 10 ms late (a loaded machine) is sent at once instead, so not all ten need be held.
    assert.equal(frames.length, 10);
    assert.ok(after.blocksHeld - before.blocksHeld >= 1, `no frame was held for its readout end: ${JSON.stringify(after)}`);
  });

  it('5.1.4 an exposure longer than the frame period stretches the period', async () => {
    const frames = await grab({ AcquisitionFrameRate: 40, ExposureTime: 60000 }, 3);
    for (let i = 1; i < frames.length; i += 1) assert.equal(frames[i].timestamp - frames[i - 1].timestamp, 60_000_000n);
    await configure(client, { ExposureTime: 10000 });
  });

  it('5.1.4 AcquisitionFrameRate is lowered when a larger format lowers the maximum', async () => {
    await configure(client, { AcquisitionFrameRate: 60 });
    await configure(client, { Width: 4504, Height: 4504 });
    const rate = Number(await client.get('AcquisitionFrameRate'));
    assert.ok(rate < 5.9 && rate > 5.8, `rate ${rate}`);
    await assert.rejects(client.set('AcquisitionFrameRate', 6), /AcquisitionFrameRate/);
    await configure(client, { Width: 640, Height: 480 });
  });

  it('AcquisitionMode SingleFrame and MultiFrame deliver exactly 1 and AcquisitionFrameCount frames', async () => {
    await configure(client, { AcquisitionFrameRate: 50, AcquisitionMode: 'MultiFrame', AcquisitionFrameCount: 3 });
    await new Promise((r) => setTimeout(r, 100)); // let earlier acquisitions drain
    const since = await client.deviceTime();
    const count = (): number => stream.frames.filter((f) => f.timestamp >= since).length;
    await client.execute('AcquisitionStart');
    await stream.next(3, 5000, since);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(count(), 3);
    assert.equal(await client.get('AcquisitionStatus'), false);
    await configure(client, { AcquisitionMode: 'SingleFrame' });
    await client.execute('AcquisitionStart');
    await stream.next(1, 5000, since);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(count(), 4);
    await configure(client, { AcquisitionMode: 'Continuous' });
  });

  it('payload settings are locked while acquiring', async () => {
    await client.execute('AcquisitionStart');
    try {
      assert.equal(await client.get('AcquisitionStatus'), true);
      await assert.rejects(client.set('Width', 800), /locked|writable/i);
    } finally {
      await client.execute('AcquisitionStop');
    }
    await client.set('Width', 800);
    await client.set('Width', 640);
  });
});
