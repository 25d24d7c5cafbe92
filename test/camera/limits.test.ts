import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { isGigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';

/** Issue 15, low items: values that would silently become something else are refused with the allowed range. */
describe('camera: limits on frame timeout and frame pool memory', function () {
  let emulator: EmulatedCamera;
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address });
  });

  afterEach(async () => {
    await emulator.stop();
  });

  it('a frame timeout beyond a Node timer (3 000 000 000 ms) is refused, not run as 1 ms', async () => {
    await assert.rejects(
      Camera.open({ address, frameTimeoutMs: 3_000_000_000 }),
      (err: unknown) => isGigeError(err, 'OUT_OF_RANGE') && /allowed 1 … 2147483647 ms/.test((err as Error).message),
    );
    const camera = await Camera.open({ address });
    try {
      await assert.rejects(camera.grab(3_000_000_000), (err: unknown) => isGigeError(err, 'OUT_OF_RANGE'));
      assert.equal(camera.acquiring, false);
    } finally {
      await camera.close();
    }
  });

  it('48 buffers of a full 4504 × 4504 frame (≈ 1 GB) are refused at acquisition start, saying how many fit', async () => {
    const camera = await Camera.open({ address, bufferCount: 48 });
    try {
      await assert.rejects(
        camera.grab(),
        (err: unknown) =>
          isGigeError(err, 'OUT_OF_RANGE') &&
          /48 frame buffers × PayloadSize 19\.3 MB = 928\.\d MB is more than the 512\.0 MB/.test((err as Error).message) &&
          /at most 26 buffers/.test((err as Error).message),
      );
      assert.equal(camera.acquiring, false);
      // A smaller image fits the same buffer count.
      await camera.set('Width', 1024);
      await camera.set('Height', 1024);
      const frame = await camera.grab();
      assert.equal(frame.width, 1024);
    } finally {
      await camera.close();
    }
  });

  it('a buffer count beyond 64 is refused before anything is opened', async () => {
    await assert.rejects(
      Camera.open({ address, bufferCount: 1024 }),
      (err: unknown) => isGigeError(err, 'OUT_OF_RANGE') && /Buffer count 1024 is not allowed; allowed 2 … 64/.test((err as Error).message),
    );
  });
});
