/**
 * Chunk data as a camera in chunk mode sends it (0x4001: the image is the first chunk, tagged,
 * then the value chunks), parsed from received frames without a problem on any frame.
 */
import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { parseChunkData } from '../../lib/genicam';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('camera: chunk data of received frames', function () {
  let emulator: EmulatedCamera;
  let camera: Camera;

  beforeEach(async () => {
    const address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, serial: 'CHUNK001' });
    camera = await Camera.open({ address });
    await camera.set('Width', 1024);
    await camera.set('Height', 64);
    await camera.set('ExposureAuto', 'Off');
    await camera.set('GainAuto', 'Off');
    await camera.set('Gain', 0);
    await camera.set('ExposureTime', 9000);
    await camera.set('ChunkModeActive', true);
    for (const chunk of ['ExposureTime', 'Gain']) {
      await camera.set('ChunkSelector', chunk);
      await camera.set('ChunkEnable', true);
    }
  });

  afterEach(async () => {
    await camera?.close();
    await emulator?.stop();
  });

  it("parses every frame's chunks back to offset 0: values, and no CHUNK_DATA problem", async () => {
    const problems: Error[] = [];
    camera.on('error', (err: Error) => problems.push(err));
    const frames = [];
    for (let i = 0; i < 3; i++) frames.push(await camera.grab());
    try {
      for (const frame of frames) {
        assert.equal(frame.chunks?.ChunkExposureTime, 9000);
        assert.equal(frame.chunks?.ChunkGain, 0);
        const parsed = parseChunkData(frame.chunkData as Buffer);
        assert.equal(parsed.problem, undefined, 'the walk ends cleanly at the start of the payload');
        assert.deepEqual(
          [...parsed.chunks.keys()].sort((a, b) => a - b),
          [0x1, 0xa01, 0xa02],
          'image, ExposureTime, Gain',
        );
        assert.equal(parsed.chunks.get(0x1)?.length, frame.data.length, 'the image chunk is the image');
      }
      assert.deepEqual(
        problems.map((e) => e.message),
        [],
      );
    } finally {
      for (const frame of frames) frame.release();
    }
  });

  it('tolerates a device that appends its chunks to an untagged image: the walk stops where the image ends', () => {
    const image = Buffer.alloc(64, 0x5a);
    const value = Buffer.alloc(16);
    value.writeDoubleBE(250, 0);
    value.writeUInt32BE(0xa01, 8);
    value.writeUInt32BE(8, 12);
    const payload = Buffer.concat([image, value]);
    assert.match(
      parseChunkData(payload).problem ?? '',
      /not a tagged chunk|claims/,
      'without the image length the image reads as garbage tags',
    );
    const parsed = parseChunkData(payload, { imageLength: image.length });
    assert.equal(parsed.problem, undefined);
    assert.equal(parsed.chunks.get(0xa01)?.readDoubleBE(0), 250);
  });
});
