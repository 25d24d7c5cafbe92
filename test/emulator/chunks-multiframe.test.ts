/** Manual 5.15 chunk data and 5.11 multi-frame output, read from received frames through the XML's chunk ports. */
import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, mean, openClient } from './support/client';
import type { Frame } from '../../lib/stream';

describe('emulator: 5.15 chunk data and 5.11 multi-frame output', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  before(async () => {
    client = await openClient();
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 20 });
    stream = await client.openStream();
  });
  after(async () => {
    await client?.close();
  });

  async function chunkValues(frame: Frame): Promise<Record<string, unknown>> {
    assert.ok(frame.chunkData, 'the frame carries chunk data');
    assert.equal(client.map.attachChunkData(frame.chunkData).problem, undefined);
    return client.map.readChunkValues() as Promise<Record<string, unknown>>;
  }

  it('5.15.1 ChunkModeActive appends the chunks (payload type 0x4001) and grows PayloadSize', async () => {
    const plain = Number(await client.get('PayloadSize'));
    await client.set('ChunkModeActive', true);
    assert.equal(await client.get('PayloadSize'), plain + 8 + 16 + 16);
    const [frame] = await stream.grab(1);
    assert.equal(frame.payloadType, 0x4001);
    const values = await chunkValues(frame);
    assert.equal(values.ChunkExposureTime, 10000);
    assert.equal(values.ChunkGain, 0);
  });

  it('5.15.2/5.15.3 ChunkSelector + ChunkEnable leave chunks out', async () => {
    await configure(client, { ChunkSelector: 'Gain', ChunkEnable: false });
    await client.set('ChunkSelector', 'ExposureTime');
    assert.equal(await client.get('ChunkEnable'), true, 'the enable is per chunk');
    const [frame] = await stream.grab(1);
    const values = await chunkValues(frame);
    assert.equal(values.ChunkExposureTime, 10000);
    assert.ok(!('ChunkGain' in values), 'no Gain chunk');
    await configure(client, { ChunkSelector: 'Gain', ChunkEnable: true });
  });

  it('5.11 frames cycle through the frame set: exposure (and custom gain) per frame', async () => {
    await configure(client, {
      MultiFrameSetOutputModeFrameCount: 4,
      MultiFrameSetOutputModeExposureTime0: 1000,
      MultiFrameSetOutputModeExposureTime1: 2000,
      MultiFrameSetOutputModeExposureTime2: 4000,
      MultiFrameSetOutputModeExposureTime3: 8000,
      MultiFrameSetOutputModeCustomGain: true,
      MultiFrameSetOutputModeGain1: 6,
      MultiFrameSetOutputModeEnable: true,
    });
    await assert.rejects(client.set('MultiFrameSetOutputModeFrameCount', 3), /2|4/);
    const frames = await stream.grab(6);
    const values: Array<Record<string, unknown>> = [];
    for (const f of frames) values.push(await chunkValues(f)); // one attached buffer at a time
    assert.deepEqual(
      values.map((v) => v.ChunkExposureTime),
      [1000, 2000, 4000, 8000, 1000, 2000],
    );
    assert.deepEqual(
      values.map((v) => v.ChunkGain),
      [0, 6, 0, 0, 0, 6],
    );
    const means = frames.map((f) => mean(f.data));
    assert.ok(
      means[3] > means[2] * 1.9 && means[2] > means[0] * 3.5,
      `brightness follows exposure: ${means.map((m) => m.toFixed(1)).join(', ')}`,
    );
    await configure(client, { MultiFrameSetOutputModeEnable: false, ChunkModeActive: false });
  });

  it('5.11.2 the frame count may be 2: the set has two members', async () => {
    await configure(client, {
      ChunkModeActive: true,
      MultiFrameSetOutputModeFrameCount: 2,
      MultiFrameSetOutputModeCustomGain: false,
      MultiFrameSetOutputModeEnable: true,
    });
    const frames = await stream.grab(4);
    const exposures: unknown[] = [];
    for (const f of frames) exposures.push((await chunkValues(f)).ChunkExposureTime);
    assert.deepEqual(exposures, [1000, 2000, 1000, 2000]);
    await configure(client, { MultiFrameSetOutputModeEnable: false, ChunkModeActive: false });
  });
});
