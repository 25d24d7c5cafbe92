import * as assert from 'node:assert/strict';
import { EmulatedCamera, emulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { CameraConnection, ConnectionState } from '../../lib/camera/connection';
import { until } from './support/connection-state';
import { acquireCamera } from '../../lib/camera/pool';
import type { CameraEvent } from '../../lib/camera/camera';
import { isGigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('camera: CameraConnection keeps a camera connected for its users', function () {
  this.timeout(20000);
  let address: string;
  let emulator: EmulatedCamera | null;
  let connection: CameraConnection | null;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, heartbeatTimeoutMs: 600, settings: { Width: 1024, Height: 64 } });
    connection = null;
  });

  afterEach(async () => {
    await connection?.close();
    await emulator?.stop();
  });

  it('reconnects even when the camera is lost the moment it was connected (events and acquisition restored)', async () => {
    connection = new CameraConnection({ address, reconnectMinMs: 200, reconnectMaxMs: 400 });
    await connection.requestEvents('events-user', ['ExposureEnd']);
    await connection.requestAcquisition('frames-user');
    let losses = 0;
    let restartFailure: unknown;
    // Kill the camera right as it is published, twice: the loss arrives while the connection is
    // still busy with what follows the connect.
    connection.on('state', (state: ConnectionState) => {
      if (state !== 'connected' || losses >= 2) return;
      losses += 1;
      const victim = emulator;
      emulator = null;
      victim
        ?.stop()
        .then(async () => {
          await new Promise((r) => setTimeout(r, 300));
          emulator = await EmulatedCamera.start({ address, heartbeatTimeoutMs: 600, settings: { Width: 1024, Height: 64 } });
        })
        .catch((err: unknown) => {
          restartFailure = err;
        });
    });
    await connection.connect();
    const deadline = Date.now() + 15000;
    while (!(losses === 2 && connection.isConnected)) {
      if (restartFailure !== undefined) throw restartFailure;
      assert.ok(Date.now() < deadline, `stuck: ${connection.state} (${connection.stateDetail}) after ${losses} losses`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Frames and events flow again, as their users asked before the losses.
    const event = new Promise<CameraEvent>((resolve) => connection!.once('event', resolve));
    const frame = new Promise((resolve) => connection!.once('frame', resolve));
    await Promise.all([event, frame]);
  });

  it("enables each user's events on its own: one unknown name does not cost the others theirs", async () => {
    connection = new CameraConnection({ address });
    const refused: Error[] = [];
    // Both asked before the camera is connected, as nodes do at deploy.
    const good = connection.requestEvents('good', ['Test']);
    const bad = connection.requestEvents('bad', ['FrameStart'], (err) => refused.push(err));
    await Promise.all([good, bad, connection.connect()]);
    assert.equal(refused.length, 1);
    assert.ok(isGigeError(refused[0], 'UNKNOWN_EVENT'), refused[0].message);
    const event = new Promise<CameraEvent>((resolve) => connection!.once('event', resolve));
    await connection.use((camera) => camera.execute('TestEventGenerate'));
    assert.equal((await event).name, 'Test');
  });

  it('tells a user of its refused events after "connected", so that its status is the last word', async () => {
    connection = new CameraConnection({ address });
    const order: string[] = [];
    connection.on('state', (state: ConnectionState) => order.push(state));
    await connection.requestEvents('bad', ['FrameStart'], () => order.push('refused'));
    await connection.connect();
    assert.deepEqual(order.slice(-2), ['connected', 'refused']);
  });

  it('follows users who come and go while the connect attempt runs', async () => {
    connection = new CameraConnection({ address });
    await connection.requestAcquisition('leaves-during-connect');
    // Hooked where the attempt restores acquisition and events: the users change right then.
    // Taken as a descriptor, not as Camera.prototype.startAcquisition: a method read off its
    // object loses its `this`; .call() below gives it back.
    const original = Object.getOwnPropertyDescriptor(Camera.prototype, 'startAcquisition')!;
    const startAcquisition = original.value as Camera['startAcquisition'];
    const conn = connection;
    const hookFailures: unknown[] = [];
    Camera.prototype.startAcquisition = function (this: Camera) {
      conn.releaseAcquisition('leaves-during-connect').catch((err: unknown) => hookFailures.push(err));
      conn.requestEvents('arrives-during-connect', ['Test']).catch((err: unknown) => hookFailures.push(err));
      return startAcquisition.call(this);
    };
    try {
      await connection.connect();
    } finally {
      Object.defineProperty(Camera.prototype, 'startAcquisition', original);
    }
    const deadline = Date.now() + 3000;
    let state = { acquiring: true, events: [] as string[] };
    while (Date.now() < deadline) {
      state = await connection.use(async (camera) => ({ acquiring: camera.acquiring, events: camera.enabledEventNames }));
      if (!state.acquiring && state.events.includes('Test')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(state, { acquiring: false, events: ['Test'] }, 'no acquisition without users; the late user has its events');
    assert.deepEqual(hookFailures, []);
  });

  it('releases an event user whose list held an unknown name without an error, and disables the rest', async () => {
    connection = new CameraConnection({ address });
    await connection.connect();
    const errors: Error[] = [];
    connection.on('error', (err: Error) => errors.push(err));
    await connection.requestEvents('other', ['ExposureEnd']);
    await assert.rejects(connection.requestEvents('mixed', ['ExposureEnd', 'NoSuchEvent']), /NoSuchEvent/);
    await connection.releaseEvents('other');
    assert.deepEqual(await connection.use(async (camera) => camera.enabledEventNames), ['ExposureEnd'], 'still wanted by the other user');
    await connection.releaseEvents('mixed');
    assert.deepEqual(errors, []);
    assert.deepEqual(await connection.use(async (camera) => camera.enabledEventNames), []);
  });

  it('enables concurrent requests of two users on a connected camera without mixing their selector writes', async () => {
    connection = new CameraConnection({ address });
    await connection.connect();
    await Promise.all([connection.requestEvents('a', ['ExposureEnd']), connection.requestEvents('b', ['Test'])]);
    const names = await connection.use(async (camera) => {
      const enabled: string[] = [];
      for (const name of ['ExposureEnd', 'Test']) {
        await camera.set('EventSelector', name);
        if ((await camera.get('EventNotification')) === 'On') enabled.push(name);
      }
      return enabled;
    });
    assert.deepEqual(names, ['ExposureEnd', 'Test']);
  });

  it("rejects an acquisition that cannot start with the camera's reason", async () => {
    connection = new CameraConnection({ address, packetSize: 12000 });
    await connection.connect();
    await assert.rejects(
      connection.requestAcquisition('user'),
      (err: unknown) => isGigeError(err) && /GevSCPSPacketSize/.test((err as Error).message) && /9000/.test((err as Error).message),
    );
  });

  it('retries an emulated camera that could not start (its address was taken) and connects once it is free', async () => {
    const pooled = acquireCamera({ address, emulated: emulatedCamera({ serial: 'SECOND' }), reconnectMinMs: 200, reconnectMaxMs: 400 });
    connection = pooled.connection;
    await until(connection, 'disconnected', 5000);
    assert.match(connection.stateDetail, /emulated camera did not start/);
    await emulator?.stop();
    emulator = null;
    await until(connection, 'connected', 5000);
    assert.equal(await connection.use((camera) => camera.get('DeviceSerialNumber')), 'SECOND');
    connection = null;
    await pooled.release();
  });

  it('refuses a second user of the same address with other settings, naming what differs', async () => {
    const first = acquireCamera({ address, settings: [['Width', '1024']] });
    try {
      assert.throws(
        () => acquireCamera({ address, settings: [['Width', '2048']] }),
        (err: unknown) => isGigeError(err, 'CAMERA_IN_USE') && /settings differ/.test((err as Error).message),
      );
      const same = acquireCamera({ address, settings: [['Width', '1024']] });
      assert.equal(same.connection, first.connection, 'identical options share the connection');
      await same.release();
    } finally {
      await first.release();
    }
  });
});
