import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { CameraConnection } from '../../lib/camera/connection';
import { until } from './support/connection-state';
import { Bootstrap } from '../../lib/gvcp/protocol';
import { isGigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';
import { cutOff, mute } from '../gvcp/support/blackout';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The controller the camera knows: its primary application's port. */
function primaryPort(emulator: EmulatedCamera): number {
  return emulator.server.privilege.primary?.port ?? 0;
}

/**
 * Issue 15, item 7: after a loss the connection reconnected from a new socket, which the camera
 * refused as "another application" (our own old socket) until its heartbeat expired, and then
 * waited out a backoff that grows to 30 s. Now: the same socket, and an attempt the moment the
 * camera answers again.
 */
describe('camera: CameraConnection reconnects as the same controller, as soon as the camera answers', function () {
  this.timeout(30000);
  let address: string;
  let emulator: EmulatedCamera | null;
  let connection: CameraConnection | null;

  const startCamera = async () => {
    emulator = await EmulatedCamera.start({
      address,
      heartbeatTimeoutMs: 3000,
      settings: { Width: 1024, Height: 64, AcquisitionFrameRate: 20 },
    });
    return emulator;
  };

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await startCamera();
    connection = null;
  });

  afterEach(async () => {
    await connection?.close();
    await emulator?.stop();
  });

  it('a loss the camera did not see (its answers lost for 4 s): back from the same socket, control released and retaken cleanly', async () => {
    const camera = emulator as EmulatedCamera;
    connection = new CameraConnection({ address });
    await connection.requestAcquisition('frames');
    await connection.connect();
    assert.equal(connection.state, 'connected');
    const ourPort = primaryPort(camera);
    assert.ok(ourPort > 0);
    const frame = new Promise((resolve) => connection!.once('frame', resolve));
    await frame;

    const speak = mute(camera.server);
    await until(connection, 'disconnected', 6000);
    assert.ok(isGigeError(connection.lastError, 'CAMERA_LOST'), String(connection.lastError));
    await sleep(4000 - 2700);
    speak();
    const restoredAt = Date.now();
    const reconnectedAt = await until(connection, 'connected', 10000);
    assert.equal(primaryPort(camera), ourPort, 'the camera knows us by the same IP:port');
    assert.equal(camera.server.stats().heartbeatExpiries, 0, 'the camera never dropped us: our probes kept control alive');
    assert.ok(reconnectedAt - restoredAt < 3000, `connected ${reconnectedAt - restoredAt} ms after the camera answered again`);
    await new Promise((resolve) => connection!.once('frame', resolve));
  });

  it('after an outage, reconnects as soon as the camera is back — not when a grown backoff ends', async () => {
    const camera = emulator as EmulatedCamera;
    // The backoff a long outage used to grow to: it must not decide when a returning camera is used.
    connection = new CameraConnection({ address, reconnectMinMs: 20000, reconnectMaxMs: 30000 });
    await connection.requestAcquisition('frames');
    await connection.connect();
    const restore = cutOff(camera.server);
    await until(connection, 'disconnected', 6000);
    await sleep(3000);
    restore();
    const restoredAt = Date.now();
    const reconnectedAt = await until(connection, 'connected', 15000);
    assert.ok(reconnectedAt - restoredAt < 3000, `connected ${reconnectedAt - restoredAt} ms after the camera was back`);
    await new Promise((resolve) => connection!.once('frame', resolve));
  });

  it('a camera restarted (a new device at the same address) is taken at once, from the same socket', async () => {
    connection = new CameraConnection({ address, reconnectMinMs: 20000, reconnectMaxMs: 30000 });
    await connection.requestAcquisition('frames');
    await connection.connect();
    const ourPort = primaryPort(emulator as EmulatedCamera);
    const victim = emulator as EmulatedCamera;
    emulator = null;
    await victim.stop();
    await until(connection, 'disconnected', 6000);
    await sleep(1500);
    const restarted = await startCamera();
    const restartedAt = Date.now();
    const reconnectedAt = await until(connection, 'connected', 15000);
    assert.ok(reconnectedAt - restartedAt < 3000, `connected ${reconnectedAt - restartedAt} ms after the camera restarted`);
    assert.equal(primaryPort(restarted), ourPort);
    await new Promise((resolve) => connection!.once('frame', resolve));
    // The camera's bootstrap says the same.
    assert.equal(
      await connection.use(async (camera) => (await camera.device.channel.readRegister(Bootstrap.PRIMARY_APPLICATION_PORT)) & 0xffff),
      ourPort,
    );
  });
});
