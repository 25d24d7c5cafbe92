import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { uniqueLoopbackAddress } from '../support/loopback';

/**
 * A trigger node asks for `ensureTriggerMode` on every trigger: TriggerSource and TriggerMode are
 * checked (and set) first. Once the node map has answered both from its cache, the answer holds
 * while that cache is unchanged (NodeMap.cacheVersion), so later triggers skip the check — but
 * anything that could change the answer (a write, an invalidation) brings the check back.
 */
describe('camera: the trigger mode check before each software trigger', function () {
  let emulator: EmulatedCamera;
  let camera: Camera;

  beforeEach(async () => {
    const address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, settings: { Width: 640, Height: 64, ExposureAuto: 'Off', ExposureTime: 100 } });
    camera = await Camera.open({ address });
  });

  afterEach(async () => {
    await camera.close();
    await emulator.stop();
  });

  /** Counts the node map's reads of the trigger features. */
  function countModeReads(): { count: number } {
    const counter = { count: 0 };
    const getValue = camera.nodeMap.getValue.bind(camera.nodeMap);
    camera.nodeMap.getValue = (name: string) => {
      if (name === 'TriggerMode' || name === 'TriggerSource') counter.count += 1;
      return getValue(name);
    };
    return counter;
  }

  async function trigger(): Promise<void> {
    const frame = await camera.triggerSoftware(5000, { ensureTriggerMode: true });
    assert.equal(frame.status, 'complete');
    frame.release();
  }

  /** Triggers until one made no mode reads (the check was skipped); fails if none within five. */
  async function triggerUntilTheCheckIsSkipped(reads: { count: number }): Promise<void> {
    for (let i = 0; i < 5; i += 1) {
      const before = reads.count;
      await trigger();
      if (reads.count === before) return;
    }
    assert.fail('every trigger read the trigger mode again');
  }

  it('sets software triggering on the first trigger, then stops reading the mode while nothing changed', async () => {
    const reads = countModeReads();
    await trigger();
    assert.equal(await camera.get('TriggerMode'), 'On');
    assert.ok(['Software', 'Any'].includes(String(await camera.get('TriggerSource'))));
    await triggerUntilTheCheckIsSkipped(reads);
    const skipped = reads.count;
    for (let i = 0; i < 4; i += 1) await trigger();
    assert.equal(reads.count, skipped, 'no mode reads while nothing changed');
  });

  it('checks again after the source was written: the next trigger sets it back and gets its frame', async () => {
    await triggerUntilTheCheckIsSkipped(countModeReads());
    // Still in trigger mode, but waiting for a hardware edge (TriggerMode Off instead would let a
    // free-running frame's exposure swallow the trigger).
    await camera.set('TriggerSource', 'Line1');
    await trigger();
    assert.equal(await camera.get('TriggerSource'), 'Software');
  });

  it('checks again after the cache was invalidated (the mode changed behind the node map)', async () => {
    await triggerUntilTheCheckIsSkipped(countModeReads());
    // Another writer (another application, a register write) turned triggering off; the node map
    // learns of it only through an invalidation.
    const before = await camera.get('TriggerSource');
    const behind = NodeMap.fromXml(await loadDeviceXml(camera.device.port), { device: camera.device.port });
    await behind.setValue('TriggerSource', 'Line1');
    assert.equal(await camera.get('TriggerSource'), before, "the camera's node map still has the old value");
    camera.nodeMap.invalidate('TriggerSource');
    await trigger();
    behind.invalidate('TriggerSource');
    assert.equal(await behind.getValue('TriggerSource'), 'Software');
  });
});
