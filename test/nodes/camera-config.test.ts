import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, collect, statusMatching, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { pooledCameraKeys } from '../../lib/camera/pool';

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
      { id: 'cam2', type: 'gige-camera-config', source: 'emulated', address, serial: 'LATE0001', settings: `${SMALL}\nAcquisitionFrameRate=20` },
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
    await helper.load([...packageNodes, catchNode], onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'REFUSE01', settings: `${SMALL}\nGainAuto=Off\nGain=99` },
      { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...CATCH,
    ]));
    const errors: string[] = [];
    onCall(helper.getNode('cam'), 'error', (args) => errors.push(String(args[0])));
    const caught = record('caught');
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('get'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    // Nothing keeps trying: the pooled connection is closed, the reason logged once.
    const deadline = Date.now() + 8000;
    while (errors.length === 0 || pooledCameraKeys().includes(address)) {
      assert.ok(Date.now() < deadline, `the refused camera is let go (${errors.length} errors logged, pool: ${pooledCameraKeys().join(', ')})`);
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
    assert.equal(reported.error.source.id, 'get', 'Catch hears it on the user\'s tab');

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
    await helper.load(packageNodes, onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address: '192.0.2.77', serial: 'NOTLOOP1' },
      { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
    ]));
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
    await helper.load(packageNodes, onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'BADTEXT1', settings: 'ExposureTime 5000' },
      { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Gain', wires: [[]] },
    ]));
    await statusMatching('get', /status\.configError$/);
    assert.ok(!pooledCameraKeys().includes(address));
    assert.match(String(camera('cam').lastError?.message), /Settings line 1 "ExposureTime 5000" is not Name=Value/);
  });
});
