import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera, type CameraFrame } from '../../lib/camera/camera';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS, expectedFrameBytes, firstDifference } from '../support/emulated-scene';

// Every path a frame takes through Camera ends its hold on the pool buffer explicitly and at once:
// frames nobody takes, frames shared by several listeners and a waiter, a grab's frame with chunk
// data. Nothing here collects garbage; `buffersLent` counts the pool buffers JavaScript holds.
describe('camera: frame buffers go back to the pool on every path, without a collection', function () {
  let emulator: EmulatedCamera;
  let camera: Camera;

  beforeEach(async () => {
    const address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, serial: 'LIFECYCLE' });
    camera = await Camera.open({ address, bufferCount: 4 });
    for (const [name, value] of IDENTITY_SETTINGS) await camera.set(name, value);
    await camera.set('Width', 1024);
    await camera.set('Height', 256);
    await camera.set('AcquisitionFrameRate', 20);
  });

  afterEach(async () => {
    await camera.close();
    await emulator.stop();
  });

  const lent = () => camera.streamStatistics()?.buffersLent;

  it('frames that no listener or waiter takes are back in the pool at once', async () => {
    await camera.startAcquisition();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const stats = camera.streamStatistics()!;
    assert.ok(stats.framesDelivered >= 5, JSON.stringify(stats));
    assert.equal(stats.buffersLent, 0);
    assert.equal(stats.framesDropped, 0);
  });

  it('a frame shared by two listeners and a waiter returns once the last holder released it', async () => {
    let kept: CameraFrame | null = null;
    let looked = 0;
    camera.on('frame', (frame: CameraFrame) => {
      if (!kept) kept = frame.share();
    });
    camera.on('frame', () => {
      looked += 1;
    });
    await camera.startAcquisition();
    const waited = await camera.nextFrame();
    assert.ok(kept, 'the first listener kept a share');
    const first = kept as CameraFrame;
    assert.ok(looked >= 1);
    assert.equal(lent(), first.blockId === waited.blockId ? 1 : 2);
    assert.equal(firstDifference(waited.data, expectedFrameBytes(waited)), -1);
    assert.equal(firstDifference(first.data, expectedFrameBytes(first)), -1);
    waited.release();
    first.release();
    assert.equal(lent(), 0);
  });

  it("a grab's frame is the caller's: chunk values read from it, its buffer back on release()", async () => {
    await camera.set('ChunkModeActive', true);
    await camera.set('ChunkSelector', 'ExposureTime');
    await camera.set('ChunkEnable', true);
    await camera.startAcquisition();
    const frame = await camera.nextFrame();
    assert.equal(frame.chunks?.ChunkExposureTime, 10000);
    assert.equal(lent(), 1);
    frame.release();
    assert.equal(lent(), 0);
    // A frame kept for good (a flow's) holds no pool buffer at all.
    const kept = (await camera.nextFrame()).detach();
    assert.equal(lent(), 0);
    assert.equal(firstDifference(kept.data, expectedFrameBytes(kept)), -1);
  });
});
