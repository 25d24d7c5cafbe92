import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { isGigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';
import { withoutUnhandledRejections } from '../support/rejections';

/**
 * A frame wait created before an `await` (start acquisition, fire the trigger) can time out while
 * that await still runs. Node-RED exits on such an unobserved rejection (issue 15, item 1): the
 * caller must get the error, and nothing may be left unobserved.
 *
 * The exposure is long, so that no frame can beat the 1 ms timeout: on a loaded machine (CI's CPU
 * hogs) the timer may run late enough for a short exposure's frame to arrive first, and then the
 * grab rightly succeeds.
 */
describe('camera: a frame wait that times out during another await is never left unobserved', function () {
  let emulator: EmulatedCamera;
  let camera: Camera;

  const EXPOSURE_US = 300_000;

  beforeEach(async () => {
    const address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({
      address,
      settings: { Width: 1024, Height: 64, ExposureAuto: 'Off', ExposureTime: EXPOSURE_US },
    });
    camera = await Camera.open({ address });
  });

  afterEach(async () => {
    await camera.close();
    await emulator.stop();
  });

  it('grab() with a 1 ms timeout rejects with FRAME_TIMEOUT and leaves no unhandled rejection', async () => {
    await withoutUnhandledRejections(async () => {
      for (let i = 0; i < 5; i += 1) {
        await assert.rejects(camera.grab(1), (err: unknown) => isGigeError(err, 'FRAME_TIMEOUT'));
      }
    });
    assert.equal(camera.acquiring, false, 'a single grab leaves the camera as it found it');
  });

  it('triggerSoftware() with a 1 ms timeout rejects with FRAME_TIMEOUT and leaves no unhandled rejection', async () => {
    await withoutUnhandledRejections(async () => {
      for (let i = 0; i < 5; i += 1) {
        await assert.rejects(camera.triggerSoftware(1, { ensureTriggerMode: true }), (err: unknown) => isGigeError(err, 'FRAME_TIMEOUT'));
      }
    });
    // The camera still works afterwards, once the first trigger's exposure is over (a trigger while
    // the sensor exposes may be missed): its frame arrives as a 'frame' event nobody waits for.
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => camera.once('frame', resolve)),
      new Promise((resolve) => (giveUp = setTimeout(resolve, 10_000))),
    ]);
    clearTimeout(giveUp);
    const frame = await camera.triggerSoftware(5000);
    assert.equal(frame.status, 'complete');
  });
});
