import * as assert from 'node:assert/strict';
import { helper, packageNodes, onTab, cameraConnected } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { pooledCameraKeys } from '../../lib/camera/pool';

type Feature = Record<string, any>;
const feature = (body: { features: Feature[] }, name: string): Feature => {
  const found = body.features.find((f) => f.name === name);
  assert.ok(found, `${name} in ${body.features.map((f) => f.name).join(', ')}`);
  return found;
};

/**
 * Issue 9: the feature picker is driven by the device — an admin endpoint returns the chosen
 * camera's features with type, access, range, unit, entries and description: from a deployed
 * config node's open camera, or (an undeployed one) from the camera opened briefly in monitor
 * access, which never takes control.
 */
describe("nodes: the editor's feature tree (admin endpoint)", function () {
  this.timeout(30000);
  let emulators: EmulatedCamera[] = [];

  beforeEach(async () => {
    emulators = [];
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    for (const emulator of emulators) await emulator.stop();
  });

  it("answers from a deployed config node's open camera: types, ranges, units, entries, values", async () => {
    const address = uniqueLoopbackAddress();
    await helper.load(
      packageNodes,
      onTab([
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'emulated',
          address,
          serial: 'TREE0001',
          settings: [
            { name: 'ExposureAuto', value: 'Off' },
            { name: 'ExposureTime', value: '12345' },
          ],
          version: 1,
        },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
      ]),
    );
    await cameraConnected('cam');
    const res = await helper.request().get('/gige-vision/features?node=cam').expect(200);
    assert.equal(res.body.via, 'config');
    assert.equal(res.body.camera.model, 'DMK 38GX541-a');
    assert.equal(res.body.camera.serial, 'TREE0001');
    const exposure = feature(res.body, 'ExposureTime');
    assert.deepEqual(
      [exposure.type, exposure.access, exposure.unit, exposure.min, exposure.max, exposure.value],
      ['Float', 'RW', 'us', 2, 30000000, 12345],
    );
    assert.match(exposure.description, /Exposure time/);
    const width = feature(res.body, 'Width');
    assert.equal(width.type, 'Integer');
    assert.equal(width.inc, 4, 'the step the camera states');
    assert.equal(width.max, 4504);
    const events = feature(res.body, 'EventSelector');
    assert.deepEqual(
      events.entries.map((e: Feature) => e.name),
      ['ExposureEnd', 'FrameTriggerMissed', 'Line1FallingEdge', 'Line1RisingEdge', 'Test'],
    );
    assert.equal(feature(res.body, 'ReverseX').type, 'Boolean');
    assert.equal(feature(res.body, 'TriggerSoftware').type, 'Command');
    assert.equal(res.body.categories.name, 'Root');
    assert.ok(res.body.categories.categories.some((c: Feature) => c.features.includes('DeviceModelName')));
    JSON.stringify(res.body);
  });

  it('opens an undeployed network camera briefly in monitor access, beside another controller', async () => {
    const emulator = await EmulatedCamera.start({ address: uniqueLoopbackAddress(), serial: 'PROBE001' });
    emulators.push(emulator);
    await helper.load(packageNodes, []);
    // Another application controls the camera: the probe reads without taking it.
    const controller = await Camera.open({ address: emulator.address, access: 'control' });
    try {
      const res = await helper
        .request()
        .get(`/gige-vision/features?node=notdeployed&source=network&address=${emulator.address}`)
        .expect(200);
      assert.equal(res.body.via, 'probe');
      assert.equal(res.body.camera.access, 'monitor');
      assert.equal(feature(res.body, 'Gain').max, 48);
      assert.equal(await controller.get('DeviceSerialNumber'), 'PROBE001', 'the controller kept the camera');
    } finally {
      await controller.close();
    }
  });

  it('finds an undeployed camera by serial on the chosen interface', async () => {
    const emulator = await EmulatedCamera.start({ address: uniqueLoopbackAddress(), serial: `SER${process.pid % 100000}` });
    emulators.push(emulator);
    await helper.load(packageNodes, []);
    const res = await helper
      .request()
      .get(`/gige-vision/features?source=network&identify=serial&serial=SER${process.pid % 100000}&interface=lo`)
      .expect(200);
    assert.equal(res.body.camera.address, emulator.address);
  });

  it('starts an emulated camera nobody runs yet for the moment, and stops it again', async () => {
    const address = uniqueLoopbackAddress();
    await helper.load(packageNodes, []);
    const res = await helper.request().get(`/gige-vision/features?source=emulated&address=${address}&serial=EMUTREE1`).expect(200);
    assert.equal(res.body.via, 'emulator');
    assert.equal(res.body.camera.serial, 'EMUTREE1');
    // Its address is free again.
    const again = await EmulatedCamera.start({ address });
    await again.stop();
    assert.deepEqual(pooledCameraKeys(), []);
  });

  for (const [query, status, pattern] of [
    ['', 400, /give \?node=<config node id>, \?address=IP or \?serial=S/],
    ['node=nosuchnode', 400, /config node "nosuchnode" is not deployed; give \?address=/],
    ['address=255.255.255.255', 400, /not a single camera/],
    ['address=everywhere', 400, /not an IPv4 address/],
    ['source=network&identify=serial&serial=X&interface=bad%20name', 400, /not an interface name/],
  ] as const) {
    it(`refuses ?${query || '(nothing)'} with ${status}, saying why`, async () => {
      await helper.load(packageNodes, []);
      const res = await helper.request().get(`/gige-vision/features?${query}`).expect(status);
      assert.match(res.body.error, pattern);
    });
  }

  it('says when the camera does not answer (502/504), within its budget', async () => {
    await helper.load(packageNodes, []);
    const started = Date.now();
    const res = await helper.request().get(`/gige-vision/features?source=network&address=${uniqueLoopbackAddress()}`);
    assert.ok([502, 504].includes(res.status), `${res.status} ${JSON.stringify(res.body)}`);
    assert.match(res.body.error, /timeout|answer|time/i);
    assert.ok(Date.now() - started < 16000);
  });
});
