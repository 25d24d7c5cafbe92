import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { encodeFrame, frameMetadata } from '../../lib/camera/frame-output';
import { PixelFormat, type FrameContent } from '../../lib/stream';
import { renderRampReference, rampValue } from '../../lib/stream/scene-reference';
import { isGigeError } from '../../lib/errors';

const WIDTH = 66;
const HEIGHT = 9;
// Scene values 1000…1073: no wrap-around edge inside the test image.
const PHASE = 1000;

function frameOf(format: keyof typeof PixelFormat): FrameContent {
  const pixelFormat = PixelFormat[format];
  return {
    data: renderRampReference({ width: WIDTH, height: HEIGHT, pixelFormat, phase: PHASE }),
    blockId: 7n,
    timestamp: 1_700_000_000_123_456_789n,
    payloadType: 1,
    pixelFormat,
    pixelFormatName: format,
    width: WIDTH,
    height: HEIGHT,
    offsetX: 0,
    offsetY: 0,
    paddingX: 0,
    paddingY: 0,
    status: 'complete',
    packets: { expected: 3, received: 3, resent: 0, missing: 0 },
  };
}

/** The 12-bit scene value of pixel (x, y). */
const scene = (x: number, y: number) => rampValue({ width: WIDTH, height: HEIGHT, pixelFormat: PixelFormat.Mono12, phase: PHASE }, x, y);

describe('camera: frames encoded as PNG and JPEG', () => {
  it('PNG of Mono8 is 8-bit greyscale and lossless', async () => {
    const png = await encodeFrame(frameOf('Mono8'), 'png');
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.channels, meta.depth], [1, 'uchar']);
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data.equals(frameOf('Mono8').data));
  });

  for (const format of ['Mono16', 'Mono12Packed', 'Mono12p'] as const) {
    it(`PNG of ${format} is 16-bit greyscale with the 12-bit values in the MSBs, exactly`, async () => {
      const png = await encodeFrame(frameOf(format), 'png');
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.channels, meta.depth], [1, 'ushort']);
      const { data } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      for (let y = 0; y < HEIGHT; y += 1) {
        for (let x = 0; x < WIDTH; x += 1) assert.equal(samples[y * WIDTH + x], scene(x, y) << 4, `pixel ${x},${y}`);
      }
    });

    it(`JPEG of ${format} is 8-bit greyscale at the sensor's level`, async () => {
      const jpeg = await encodeFrame(frameOf(format), 'jpeg', { quality: 100 });
      const meta = await sharp(jpeg).metadata();
      assert.deepEqual([meta.format, meta.channels], ['jpeg', 1]);
      const { data } = await sharp(jpeg).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      let worst = 0;
      for (let y = 0; y < HEIGHT; y += 1) {
        for (let x = 0; x < WIDTH; x += 1) worst = Math.max(worst, Math.abs(data[y * WIDTH + x] - (scene(x, y) >> 4)));
      }
      assert.equal(data.length, WIDTH * HEIGHT);
      assert.ok(worst <= 2, `JPEG within 2 levels of the 8-bit value, worst ${worst}`);
    });
  }

  it('downscales on request and refuses a format it cannot show, naming the allowed ones', async () => {
    const small = await encodeFrame(frameOf('Mono8'), 'jpeg', { maxWidth: 33 });
    assert.equal((await sharp(small).metadata()).width, 33);
    const bayer = { ...frameOf('Mono8'), pixelFormat: 0x01080009, pixelFormatName: 'BayerRG8' };
    await assert.rejects(
      encodeFrame(bayer, 'png'),
      (err: unknown) => isGigeError(err, 'UNSUPPORTED_PIXEL_FORMAT') && /supported: Mono8/.test((err as Error).message),
    );
  });

  it('metadata is JSON-safe: the 64-bit timestamp as an exact string', () => {
    const meta = frameMetadata(frameOf('Mono8'), 'png');
    assert.equal(meta.timestamp, '1700000000123456789');
    assert.equal(meta.timestampMs, 1700000000123.457);
    assert.equal(meta.mimetype, 'image/png');
    assert.equal(JSON.parse(JSON.stringify(meta)).frameId, 7);
    assert.equal(meta.received, undefined, 'a frame without host times gets none');
  });

  it("metadata gives the host's arrival times of the first and last packets as epoch ms, like Date.now()", () => {
    const frame = { ...frameOf('Mono8'), received: { firstPacket: 1_796_000_000_001_234_567n, lastPacket: 1_796_000_000_003_000_499n } };
    const meta = frameMetadata(frame);
    assert.deepEqual(meta.received, { firstPacketMs: 1796000000001.235, lastPacketMs: 1796000000003 });
    assert.deepEqual(JSON.parse(JSON.stringify(meta)).received, meta.received);
  });
});
