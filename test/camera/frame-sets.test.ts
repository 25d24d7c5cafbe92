/**
 * Multi-frame output sets (manual 5.11): which set a frame belongs to, from its ExposureTime chunk
 * or its position since acquisition started — on an emulated camera, and the tracker alone.
 */
import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera, CameraFrame } from '../../lib/camera/camera';
import { FrameSetTracker, memberByExposure } from '../../lib/camera/frame-sets';
import { frameMetadata } from '../../lib/camera/frame-output';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('camera: multi-frame sets (HDR) of received frames', function () {
  this.timeout(20000);

  describe('with an emulated camera', () => {
    let emulator: EmulatedCamera;
    let camera: Camera;

    beforeEach(async () => {
      const address = uniqueLoopbackAddress();
      emulator = await EmulatedCamera.start({ address, serial: 'HDRSET01' });
      camera = await Camera.open({ address });
      for (const [name, value] of [
        ['Width', 1024],
        ['Height', 64],
        ['ExposureAuto', 'Off'],
        ['GainAuto', 'Off'],
        ['AcquisitionFrameRate', 40],
        ['MultiFrameSetOutputModeFrameCount', 4],
        ['MultiFrameSetOutputModeExposureTime0', 100],
        ['MultiFrameSetOutputModeExposureTime1', 400],
        ['MultiFrameSetOutputModeExposureTime2', 1600],
        ['MultiFrameSetOutputModeExposureTime3', 6400],
      ] as const) {
        await camera.set(name, value);
      }
    });

    afterEach(async () => {
      await camera?.close();
      await emulator?.stop();
    });

    async function stream(count: number): Promise<CameraFrame[]> {
      const frames: CameraFrame[] = [];
      const enough = new Promise<void>((resolve) => {
        camera.on('frame', (frame: CameraFrame) => {
          if (frames.length < count) frames.push(frame.detach());
          if (frames.length === count) resolve();
        });
      });
      await camera.startAcquisition();
      await enough;
      await camera.stopAcquisition();
      camera.removeAllListeners('frame');
      return frames;
    }

    for (const chunks of [true, false]) {
      it(`numbers the members of each set ${chunks ? 'from the ExposureTime chunk' : 'by position (no chunk data)'}`, async () => {
        await camera.set('ChunkModeActive', chunks);
        await camera.set('MultiFrameSetOutputModeEnable', true);
        const frames = await stream(9);
        assert.deepEqual(
          frames.map((f) => f.set),
          [
            { id: 1, index: 0, count: 4 },
            { id: 1, index: 1, count: 4 },
            { id: 1, index: 2, count: 4 },
            { id: 1, index: 3, count: 4 },
            { id: 5, index: 0, count: 4 },
            { id: 5, index: 1, count: 4 },
            { id: 5, index: 2, count: 4 },
            { id: 5, index: 3, count: 4 },
            { id: 9, index: 0, count: 4 },
          ],
        );
        if (chunks)
          assert.deepEqual(
            frames.slice(0, 4).map((f) => f.chunks?.ChunkExposureTime),
            [100, 400, 1600, 6400],
          );
        assert.deepEqual(frameMetadata(frames[6]).set, { id: 5, index: 2, count: 4 }, 'msg.image.set');
      });
    }

    it('leaves frames without a set while multi-frame output is off', async () => {
      const frames = await stream(3);
      assert.ok(frames.every((f) => f.set === undefined));
      assert.equal(frameMetadata(frames[0]).set, undefined);
    });
  });

  describe('FrameSetTracker', () => {
    const config = { count: 2, exposures: [1000, 4000] };

    it('unwraps legacy 16-bit block ids (65535 → 1) so positions and set ids go on', () => {
      const tracker = new FrameSetTracker();
      const sets = [65533n, 65534n, 65535n, 1n, 2n].map((id) => tracker.assign(id, config));
      // Position 65535 is the first member (odd positions start a pair), 65536 (block id 1) the second.
      assert.deepEqual(
        sets.map((s) => s && [s.id, s.index]),
        [
          [65533, 0],
          [65533, 1],
          [65535, 0],
          [65535, 1],
          [2, 0],
        ],
      );
    });

    it("takes the member from the exposure chunk, and no set for a frame whose exposure is no member's", () => {
      const tracker = new FrameSetTracker();
      assert.deepEqual(
        tracker.assign(1n, config, 4000),
        { id: 0 + 1, index: 1, count: 2 },
        'the cycle restarted: the set starts with the stream',
      );
      assert.deepEqual(tracker.assign(2n, config, 1000), { id: 2, index: 0, count: 2 });
      assert.equal(tracker.assign(3n, config, 10000), null, 'exposed before multi-frame output was on');
      assert.equal(memberByExposure({ count: 2, exposures: [500, 500] }, 500), null, 'equal exposures cannot tell');
      assert.deepEqual(
        tracker.assign(4n, { count: 2, exposures: [500, 500] }, 500),
        { id: 3, index: 1, count: 2 },
        'then the position decides',
      );
    });
  });
});
