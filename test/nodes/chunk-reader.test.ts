import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, collect, configCamera, nextStatus, nextError, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS_TEXT } from '../support/emulated-scene';

const SMALL = `${IDENTITY_SETTINGS_TEXT}\nWidth=1024\nHeight=64\nAcquisitionFrameRate=20`;

function camera(address: string, settings = SMALL): FlowNode {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'CHUNKRD1', frameTimeout: '3000', settings };
}
function reader(props: Record<string, unknown> = {}): FlowNode {
  return { id: 'reader', type: 'gige-chunk-reader', camera: 'cam', property: 'payload', enable: true, wires: [['out']], ...props };
}
const everyFrame: FlowNode = {
  id: 'grab',
  type: 'gige-grab',
  camera: 'cam',
  mode: 'continuous',
  autoStart: true,
  encoding: 'raw',
  wires: [['reader']],
};

describe("nodes: gige-chunk-reader puts a frame's chunk values on its message", function () {
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

  it("switches chunk data on (restarting acquisition, and says so), then gives each frame's exposure, gain, id and timestamp", async () => {
    await helper.load(packageNodes, onTab([camera(address), everyFrame, reader(), { id: 'out', type: 'helper' }]));
    const warned = new Promise<string>((resolve) => onCall(helper.getNode('reader'), 'warn', (args) => resolve(String(args[0]))));
    assert.match(
      await warned,
      /ChunkModeActive false → true.*stopped and started again|stopped and started again.*ChunkModeActive false → true/,
    );
    const [msg] = await collect('out', 1);
    assert.deepEqual(
      { exposureTime: msg.payload.exposureTime, gain: msg.payload.gain, setIndex: msg.payload.setIndex, set: msg.payload.set },
      { exposureTime: 10000, gain: 0, setIndex: null, set: null },
    );
    assert.equal(typeof msg.payload.frameId, 'number');
    assert.match(msg.payload.timestamp, /^\d+$/);
    assert.deepEqual(msg.payload.chunks, { ChunkExposureTime: 10000, ChunkGain: 0 });
    assert.deepEqual(await configCamera('cam').use(async (c) => [await c.get('ChunkModeActive')]), [true]);
    JSON.stringify(msg.payload);
  });

  it('writes to another property and leaves the image in msg.payload; gives the set index of multi-frame (HDR) frames', async () => {
    const hdr = `${SMALL}\nChunkModeActive=true\nMultiFrameSetOutputModeFrameCount=2\nMultiFrameSetOutputModeExposureTime0=500\nMultiFrameSetOutputModeExposureTime1=2000\nMultiFrameSetOutputModeEnable=true`;
    await helper.load(
      packageNodes,
      onTab([camera(address, hdr), everyFrame, reader({ property: 'msg.chunk.values', enable: false }), { id: 'out', type: 'helper' }]),
    );
    const messages = await collect('out', 4);
    for (const msg of messages) {
      assert.ok(Buffer.isBuffer(msg.payload), 'the image stays where it was');
      assert.equal(msg.chunk.values.exposureTime, msg.chunk.values.setIndex === 0 ? 500 : 2000);
      assert.equal(msg.chunk.values.set.count, 2);
    }
    assert.deepEqual(new Set(messages.map((m) => m.chunk.values.setIndex)), new Set([0, 1]));
  });

  it('a frame without chunk data, or a message that is no frame, goes to Catch with what to do', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera(address),
        everyFrame,
        reader({ enable: false }),
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: ['reader'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    const [caught] = await collect('caught', 1);
    assert.equal(caught.error.code, 'NO_CHUNK_DATA');
    assert.match(caught.error.message, /carries no chunk data.*ChunkModeActive/);
    assert.ok(Buffer.isBuffer(caught.payload), 'the frame message itself reaches Catch');
    await helper.unload();
  });

  it('refuses messages that are not frames, and a bad output property', async () => {
    await helper.load(packageNodes, onTab([reader({ camera: '' }), { id: 'out', type: 'helper' }]));
    for (const [image, pattern] of [
      [undefined, /msg\.image is not a frame’s metadata \(got undefined\)/],
      ['a picture', /"a picture"/],
      [[{ chunks: {} }], /msg\.image\[0\]|no chunk data/],
    ] as const) {
      const failed = nextError('reader');
      helper.getNode('reader').receive({ payload: 1, image });
      assert.match((await failed).message, pattern);
    }
    const sent = collect('out', 1);
    helper.getNode('reader').receive({
      image: { frameId: 3, timestamp: '42', timestampMs: 0, chunks: { ChunkExposureTime: 20, ChunkGain: 1.5, ChunkFrameID: 77 } },
    });
    const [msg] = await sent;
    assert.deepEqual(
      [msg.payload.exposureTime, msg.payload.gain, msg.payload.frameId, msg.payload.timestamp],
      [20, 1.5, 77, '42'],
      'works without a camera',
    );

    await helper.setFlows(onTab([reader({ camera: '', property: 'not a path!' }), { id: 'out', type: 'helper' }]), 'nodes');
    const status = await nextStatus('reader', /invalid settings/);
    assert.equal(status.fill, 'red');
  });

  it("with an absent camera it shows the camera's state, never green", async () => {
    await helper.load(packageNodes, onTab([{ ...camera(address), source: 'network' }, reader(), { id: 'out', type: 'helper' }]));
    const fills: string[] = [];
    onCall(helper.getNode('reader'), 'status', (args) => fills.push(String((args[0] as { fill?: string }).fill)));
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(fills.length > 0 && !fills.includes('green'), fills.join());
  });
});
