import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, collect, statusMatching, onCall, onTab, configCamera, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { pooledCameraKeys } from '../../lib/camera/pool';
import { EmulatedCamera } from '../../lib/emulator';

const SMALL = 'Width=1024\nHeight=64';
/** The config node's camera, read through a plain property so that this file also ran against the code before it existed. */
function camera(id: string): { state?: string; lastError?: Error | null } {
  return (helper.getNode(id) as unknown as { camera?: { state: string; lastError: Error | null } }).camera ?? {};
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CATCH: FlowNode[] = [
  { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
];

/** Every message a helper node receives from now on. */
function record(nodeId: string): Array<Record<string, any>> {
  const seen: Array<Record<string, any>> = [];
  helper.getNode(nodeId).on('input', (msg: Record<string, any>) => seen.push(msg));
  return seen;
}

/**
 * Issue 9: the config node is the stable object users subscribe to. A user subscribes at
 * construction whatever the camera's state, and the subscription holds when the camera opens
 * later (here: refused at deploy because another config node held it, opened once that one let
 * go) — before, gige-event (now gige-event-listener) read a null `connection` once and never subscribed, and a continuous
 * grab's auto-start failed for good.
 */
describe('nodes: gige-camera-config is the stable object its users subscribe to', function () {
  this.timeout(30000);
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  function lateFlow(withHolder: boolean): FlowNode[] {
    return onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'LATE0001', settings: SMALL },
      {
        id: 'cam2',
        type: 'gige-camera-config',
        source: 'emulated',
        address,
        serial: 'LATE0001',
        settings: `${SMALL}\nAcquisitionFrameRate=20`,
      },
      // Registered first, so `cam` takes the camera and `cam2` is refused at deploy.
      ...(withHolder ? [{ id: 'holder', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [[]] }] : []),
      { id: 'events', type: 'gige-event-listener', camera: 'cam2', events: 'Test', wires: [['eventsOut']] },
      { id: 'stream', type: 'gige-grab', camera: 'cam2', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['frames']] },
      { id: 'generate', type: 'gige-feature', camera: 'cam2', action: 'execute', feature: 'TestEventGenerate', wires: [[]] },
      { id: 'eventsOut', type: 'helper' },
      { id: 'frames', type: 'helper' },
    ]);
  }

  /** Deploys with cam2 refused (cam holds the camera), then removes cam's user: cam2 opens it. */
  async function openLate(): Promise<Array<Record<string, any>>> {
    await helper.load(packageNodes, lateFlow(true));
    const frames = record('frames');
    await statusMatching('holder', /common\.status\.connected$/);
    await sleep(500);
    assert.equal(frames.length, 0, 'cam2 is refused while cam holds the camera');
    await helper.setFlows(lateFlow(false), 'nodes');
    await statusMatching('events', /common\.status\.connected$/, 10000);
    return frames;
  }

  it('gige-event-listener subscribes when its camera opens after the deploy', async () => {
    await openLate();
    const events = collect('eventsOut', 1);
    helper.getNode('generate').receive({});
    const [event] = await events;
    assert.equal(event.payload.event, 'Test');
  });

  it('a continuous grab starts by itself when its camera opens after the deploy', async () => {
    const frames = await openLate();
    const deadline = Date.now() + 10000;
    while (frames.length < 3) {
      assert.ok(Date.now() < deadline, `the continuous grab started by itself: ${frames.length} frames`);
      await sleep(50);
    }
  });

  it('a setting the camera refuses stops the camera with the reason, not retried for ever', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'emulated',
          address,
          serial: 'REFUSE01',
          settings: `${SMALL}\nGainAuto=Off\nGain=99`,
        },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [['out']] },
        { id: 'out', type: 'helper' },
        ...CATCH,
      ]),
    );
    const errors: string[] = [];
    onCall(helper.getNode('cam'), 'error', (args) => errors.push(String(args[0])));
    const caught = record('caught');
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('get'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    // Nothing keeps trying: the pooled connection is closed, the reason logged once.
    const deadline = Date.now() + 8000;
    while (errors.length === 0 || pooledCameraKeys().includes(address)) {
      assert.ok(
        Date.now() < deadline,
        `the refused camera is let go (${errors.length} errors logged, pool: ${pooledCameraKeys().join(', ')})`,
      );
      await sleep(50);
    }
    await sleep(2500);
    const last = statuses[statuses.length - 1];
    assert.equal(last.fill, 'red');
    assert.match(last.text, /status\.configError$/);
    assert.ok(!pooledCameraKeys().includes(address), 'not reopened');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /configuration error.*Gain=99.*out of range/);
    const reported = caught.find((m) => m.error.code === 'SETTING_FAILED');
    assert.ok(reported, JSON.stringify(caught.map((m) => m.error)));
    assert.equal(reported.error.source.id, 'get', "Catch hears it on the user's tab");

    helper.getNode('get').receive({ payload: 'go' });
    const end = Date.now() + 5000;
    while (!caught.some((m) => m.payload === 'go')) {
      assert.ok(Date.now() < end, 'the message fails with the configuration error');
      await sleep(20);
    }
    const failed = caught.find((m) => m.payload === 'go') as Record<string, any>;
    assert.match(failed.error.message, /configuration error: .*Gain=99/);
  });

  it('an emulated camera on a non-loopback address stops with the reason, nothing is bound', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address: '192.0.2.77', serial: 'NOTLOOP1' },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
      ]),
    );
    const errors: string[] = [];
    onCall(helper.getNode('cam'), 'error', (args) => errors.push(String(args[0])));
    // Before, the start was retried with a backoff (1 s, 2 s, …) for ever.
    await sleep(4000);
    assert.ok(!pooledCameraKeys().includes('192.0.2.77'), 'not retried');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.equal(camera('cam').state, 'refused');
    assert.match(errors[0], /192\.0\.2\.77 is not a loopback address/);
  });

  it('settings that are not Name=Value stop the camera before it opens', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'BADTEXT1', settings: 'ExposureTime 5000' },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
      ]),
    );
    await statusMatching('get', /status\.configError$/);
    assert.ok(!pooledCameraKeys().includes(address));
    assert.match(String(camera('cam').lastError?.message), /Settings line 1 "ExposureTime 5000" is not Name=Value/);
  });
});

/**
 * Issue 9: a network camera chosen by serial number is found by discovery on every (re)connect —
 * a camera that got a new IP is still found — on the interface chosen (here loopback only); the
 * "On connect" settings are rows, and flows saved with the old text keep working.
 */
describe('nodes: gige-camera-config finds a camera by serial number, settings as rows', function () {
  this.timeout(40000);
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

  async function emulate(address: string, serial: string, heartbeatTimeoutMs?: number): Promise<EmulatedCamera> {
    const emulator = await EmulatedCamera.start({ address, serial, heartbeatTimeoutMs });
    emulators.push(emulator);
    return emulator;
  }

  function bySerial(serial: string, extra: Record<string, unknown> = {}): FlowNode {
    return {
      id: 'cam',
      type: 'gige-camera-config',
      version: 1,
      source: 'network',
      identify: 'serial',
      serial,
      address: '',
      interface: 'lo',
      settings: [
        { name: 'Width', value: '1024' },
        { name: 'Height', value: '64' },
      ],
      frameTimeout: '3000',
      ...extra,
    };
  }

  it('opens the camera with that serial, and follows it to a new address', async () => {
    const serial = `MOVE${process.pid % 10000}`;
    const first = await emulate(uniqueLoopbackAddress(), serial);
    await helper.load(
      packageNodes,
      onTab([
        bySerial(serial),
        { id: 'stream', type: 'gige-grab', camera: 'cam', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['frames']] },
        { id: 'frames', type: 'helper' },
      ]),
    );
    const frames = record('frames');
    await statusMatching('stream', /common\.status\.connected$/, 10000);
    assert.equal(configCamera('cam').address, first.address);
    const waitFrames = async (count: number, what: string) => {
      const deadline = Date.now() + 20000;
      while (frames.length < count) {
        assert.ok(
          Date.now() < deadline,
          `${what}: ${frames.length} of ${count} frames (${configCamera('cam').state}: ${configCamera('cam').stateDetail})`,
        );
        await sleep(50);
      }
    };
    await waitFrames(2, 'frames from the first address');
    assert.equal(frames[0].image.width, 1024, 'the rows were applied');

    // The camera is given another address (here: the emulator restarts on another one).
    await first.stop();
    const moved = await emulate(uniqueLoopbackAddress(), serial);
    const seen = frames.length;
    await waitFrames(seen + 2, 'frames after the move, without a deploy');
    assert.equal(configCamera('cam').address, moved.address);
    assert.ok(!pooledCameraKeys().includes(first.address), 'the old address is let go');
  });

  it('says "not found" while no camera has the serial, and opens it when it appears', async () => {
    const serial = `LATE${process.pid % 10000}`;
    await helper.load(
      packageNodes,
      onTab([
        bySerial(serial),
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'DeviceSerialNumber', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
    );
    const status = await statusMatching('get', /status\.notFound$/, 10000);
    assert.equal(status.fill, 'red');
    assert.match(configCamera('cam').stateDetail, new RegExp(`No camera with serial "${serial}" answered discovery on interface lo`));
    await emulate(uniqueLoopbackAddress(), serial);
    await statusMatching('get', /common\.status\.connected$/, 20000);
    const out = collect('out', 1);
    helper.getNode('get').receive({});
    assert.equal((await out)[0].payload, serial);
  });

  it('an interface this host does not have is said so, with the ones it has', async () => {
    await helper.load(
      packageNodes,
      onTab([
        bySerial('ANY00001', { interface: 'nosuchif9' }),
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
      ]),
    );
    await statusMatching('get', /status\.unreachable$/, 10000);
    assert.match(configCamera('cam').stateDetail, /Interface "nosuchif9" has no IPv4 address on this host; interfaces with one: .*lo/);
  });

  it('runs a flow saved with the old "On connect" text, and the same settings as rows', async () => {
    const address = uniqueLoopbackAddress();
    const other = uniqueLoopbackAddress();
    await helper.load(
      packageNodes,
      onTab([
        // Saved by the editor before the table: no version, text with a comment.
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'emulated',
          address,
          serial: 'OLDTEXT1',
          settings: '# small\nWidth=1024\nHeight = 64\n',
        },
        {
          id: 'cam2',
          type: 'gige-camera-config',
          version: 1,
          source: 'emulated',
          address: other,
          serial: 'NEWROWS1',
          settings: [
            { name: 'Width', value: '1024' },
            { name: 'Height', value: 64 },
          ],
        },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: ['Width', 'Height'], wires: [['out']] },
        { id: 'get2', type: 'gige-feature', camera: 'cam2', action: 'get', feature: 'Width, Height', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
    );
    const out = collect('out', 2);
    helper.getNode('get').receive({});
    helper.getNode('get2').receive({});
    for (const msg of await out) assert.deepEqual(msg.payload, { Width: 1024, Height: 64 });
  });

  for (const [rows, pattern] of [
    [[{ name: 'Exposure Time', value: '5000' }], /row 1: "Exposure Time" is not a feature name/],
    [
      [
        { name: 'Width', value: '1024' },
        { name: 'Height', value: '' },
      ],
      /row 2 \(Height\): no value/,
    ],
    ['not rows but {}', /Settings line 1 "not rows but \{\}" is not Name=Value/],
    [{ Width: 1024 }, /are not a list of \{name, value\} rows/],
  ] as const) {
    it(`refuses "On connect" ${JSON.stringify(rows)} before opening the camera, saying why`, async () => {
      const address = uniqueLoopbackAddress();
      await helper.load(
        packageNodes,
        onTab([
          {
            id: 'cam',
            type: 'gige-camera-config',
            version: Array.isArray(rows) ? 1 : undefined,
            source: 'emulated',
            address,
            settings: rows,
          },
          { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
        ]),
      );
      await statusMatching('get', /status\.configError$/);
      assert.match(String(configCamera('cam').lastError?.message), pattern);
      assert.ok(!pooledCameraKeys().includes(address));
    });
  }
});
