import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { CameraConnection } from '../../lib/camera/connection';
import { uniqueLoopbackAddress } from '../support/loopback';
import { until } from './support/connection-state';

/**
 * At 4504² the DMK 38GX541-a's frame rate is limited by its link, so AcquisitionFrameRateMax
 * depends on the packet size, and the camera lowers a rate that no longer fits when the packet
 * size shrinks. What the connection does on connect (its stream test packet at the smallest size,
 * 'auto' trying sizes) must not leave the user's frame rate lowered for good.
 */
describe('camera: the frame rate a user sets survives the connect checks', function () {
  this.timeout(20000);
  let emulator: EmulatedCamera | null = null;
  let connection: CameraConnection | null = null;

  afterEach(async () => {
    await connection?.close();
    await emulator?.stop();
    connection = null;
    emulator = null;
  });

  async function connectedRate(packetSize: number | 'auto'): Promise<{ rate: number; max: number }> {
    const address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address });
    connection = new CameraConnection({
      address,
      packetSize,
      settings: [
        ['Width', '4504'],
        ['Height', '4504'],
        ['PixelFormat', 'Mono8'],
        ['AcquisitionFrameRate', '5.86'],
      ],
    });
    await connection.connect();
    await until(connection, 'connected', 15000);
    // Streaming: the camera's maximum now follows the stream channel's packet size.
    await connection.requestAcquisition('frames-user');
    return connection.use(async (camera) => ({
      rate: Number(await camera.get('AcquisitionFrameRate')),
      max: Number(await camera.get('AcquisitionFrameRateMax')),
    }));
  }

  it('keeps AcquisitionFrameRate 5.86 with packet size 1500 (the test packet is fired at 576)', async () => {
    const { rate, max } = await connectedRate(1500);
    assert.ok(max >= 5.86, `the camera allows 5.86 fps at 1500 (max ${max})`);
    assert.equal(rate, 5.86);
  });

  it("keeps it with packet size 'auto' too", async () => {
    const { rate } = await connectedRate('auto');
    assert.equal(rate, 5.86);
  });
});
