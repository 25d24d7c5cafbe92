import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, collect, statusMatching, onTab, cameraConnected, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { EmulatedCamera } from '../../lib/emulator';

const SMALL = 'Width=1024\nHeight=64\nAcquisitionFrameRate=20';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function camera(address: string, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'cam',
    type: 'gige-camera-config',
    source: 'emulated',
    address,
    serial: 'SHARE001',
    frameTimeout: '3000',
    settings: SMALL,
    ...extra,
  };
}

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

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/**
 * Issue 15, items 9 and 10: a trigger grab beside a continuous grab missed its trigger and the
 * continuous stream fell to 0 fps for good, with no status change; a lost camera reached only
 * Status nodes. Now one acquisition mode per camera — the second user is refused by name, in
 * red — and losses and acquisition failures reach Catch.
 */
describe('nodes: two flows on one camera, and problems no message caused reach Catch', function () {
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

  it('a trigger grab beside a running continuous grab is refused by name; the stream keeps its frames', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera(address),
        {
          id: 'stream',
          type: 'gige-grab',
          name: 'line camera',
          camera: 'cam',
          mode: 'continuous',
          autoStart: true,
          encoding: 'raw',
          wires: [['frames']],
        },
        { id: 'shot', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['shots']] },
        { id: 'frames', type: 'helper' },
        { id: 'shots', type: 'helper' },
        ...CATCH,
      ]),
    );
    await collect('frames', 3);
    const caught = record('caught');
    const refusedStatus = statusMatching('shot', /^camera in use$/);
    helper.getNode('shot').receive({ payload: 'go' });
    await refusedStatus;
    await eventually(() => caught.length > 0, 5000, 'no error reached Catch');
    assert.equal(caught[0].error.code, 'ACQUISITION_CONFLICT');
    assert.equal(caught[0].error.source.id, 'shot');
    assert.match(caught[0].error.message, /gige-grab "line camera" \(stream\)/);
    assert.match(caught[0].error.message, /one acquisition mode per camera/);
    // The continuous stream is untouched: frames keep coming.
    const after = await collect('frames', 5, 5000);
    assert.equal(after.length, 5);
  });

  it('a continuous grab deployed beside a trigger grab in use turns red, names it, and reaches Catch', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera(address),
        { id: 'shot', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['shots']] },
        { id: 'shots', type: 'helper' },
        ...CATCH,
      ]),
    );
    await cameraConnected('cam');
    const shot = collect('shots', 1);
    helper.getNode('shot').receive({ payload: 'go' });
    await shot;
    const caught = record('caught');
    // The continuous grab arrives with a modified-nodes deploy; the trigger grab keeps the camera.
    const withStream = onTab([
      camera(address),
      { id: 'shot', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['shots']] },
      { id: 'shots', type: 'helper' },
      { id: 'stream', type: 'gige-grab', camera: 'cam', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['frames']] },
      { id: 'frames', type: 'helper' },
      ...CATCH,
    ]);
    // Every node's status() goes through the helper's spy on Node.prototype: search its calls.
    const statusSpy = (
      Object.getPrototypeOf(helper.getNode('shot')) as { status: { getCalls(): Array<{ thisValue: { id: string }; args: unknown[] }> } }
    ).status;
    const statusesOf = (id: string) =>
      statusSpy
        .getCalls()
        .filter((call) => call.thisValue?.id === id)
        .map((call) => call.args[0] as Record<string, any>);
    await helper.setFlows(withStream, 'nodes');
    await eventually(
      () => statusesOf('stream').some((st) => /^camera in use$/.test(String(st?.text))),
      8000,
      'the continuous grab did not show the refusal',
    );
    const status = statusesOf('stream')
      .reverse()
      .find((st) => /camera in use/.test(String(st?.text))) as Record<string, any>;
    assert.equal(status.fill, 'red');
    await sleep(500);
    const latest = statusesOf('stream').at(-1) as Record<string, any>;
    assert.match(String(latest.text), /camera in use/, `never green while refused: the latest status is ${JSON.stringify(latest)}`);
    await eventually(() => caught.some((m) => m.error.source.id === 'stream'), 5000, 'the refusal did not reach Catch');
    const report = caught.find((m) => m.error.source.id === 'stream') as Record<string, any>;
    assert.equal(report.error.code, 'ACQUISITION_CONFLICT');
    assert.equal(report.camera.address, address);
    // The trigger grab still works.
    const again = collect('shots', 1);
    helper.getNode('shot').receive({ payload: 'again' });
    await again;
  });

  it('a continuous grab that gets no frames while connected says so (yellow), never a silent green 0 fps', async () => {
    await helper.load(
      [...packageNodes],
      onTab([
        camera(address, { frameTimeout: '1500' }),
        { id: 'stream', type: 'gige-grab', camera: 'cam', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['frames']] },
        { id: 'frames', type: 'helper' },
        { id: 'setter', type: 'gige-feature', camera: 'cam', action: 'set', feature: '', wires: [[]] },
      ]),
    );
    await collect('frames', 2);
    const quiet = statusMatching('stream', /no frames \(\d+ s\)/, 10000);
    // Another flow puts the camera in trigger mode: the stream stops at the camera.
    helper.getNode('setter').receive({ payload: { TriggerSelector: 'FrameStart', TriggerMode: 'On' } });
    const status = await quiet;
    assert.equal(status.fill, 'yellow');
    // Back to free-running: frames again, and the status says so.
    helper.getNode('setter').receive({ payload: { TriggerMode: 'Off' } });
    await collect('frames', 2, 5000);
    await statusMatching('stream', /^\d+ frames/, 5000);
  });

  it("a lost camera reaches Catch from each node using it, with the camera's address and CAMERA_LOST", async () => {
    const emulator = await EmulatedCamera.start({ address, serial: 'LOST0001' });
    try {
      await helper.load(
        [...packageNodes, catchNode],
        onTab([
          { ...camera(address), source: 'network' },
          { id: 'shot', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['shots']] },
          { id: 'shots', type: 'helper' },
          ...CATCH,
        ]),
      );
      await cameraConnected('cam');
      const caught = record('caught');
      await emulator.stop();
      await eventually(() => caught.length > 0, 8000, 'the loss did not reach Catch');
      const [report] = caught;
      assert.equal(report.error.code, 'CAMERA_LOST');
      assert.equal(report.error.source.id, 'shot');
      assert.equal(report.camera.address, address);
      assert.equal(report.payload.camera, address);
      assert.match(report.error.message, /was lost: .*connection lost: no answer to the heartbeat/);
      // Rate-limited: probing the absent camera adds no more reports.
      await sleep(2500);
      assert.equal(caught.length, 1, JSON.stringify(caught.map((m) => m.error.message)));
    } finally {
      await emulator.stop();
    }
  });
});
