import * as assert from 'node:assert/strict';
import sharp from 'sharp';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, collect, statusMatching, openNetworkSockets, threadCount, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS_TEXT, expectedFrameBytes, firstDifference } from '../support/emulated-scene';
import { PixelFormat } from '../../lib/stream';
import { pooledCameraKeys } from '../../lib/camera/pool';
import { EmulatedCamera } from '../../lib/emulator';
import type { CameraConfigNode } from '../../nodes/types';

const CONNECTED = /common\.status\.connected$/;
const SMALL_FRAME = `${IDENTITY_SETTINGS_TEXT}\nWidth=1024\nHeight=256`;

function flow(...nodes: FlowNode[]): FlowNode[] {
  return onTab(nodes);
}

function cameraConfig(address: string, settings = SMALL_FRAME) {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'NODETEST', frameTimeout: '3000', settings };
}

function grab(props: Record<string, unknown>): FlowNode {
  return { id: 'grab', type: 'gige-grab', camera: 'cam', wires: [['out']], ...props };
}

describe('nodes: gige-grab with an emulated camera in the Node-RED runtime', function () {
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it("grabs one frame per message by software trigger, with the scene's exact pixels", async () => {
    await helper.load(packageNodes, flow(cameraConfig(address), grab({ mode: 'trigger', encoding: 'raw' }), { id: 'out', type: 'helper' }));
    await statusMatching('grab', CONNECTED);
    const received = collect('out', 2);
    const sentAt = Date.now();
    helper.getNode('grab').receive({ payload: 'go', topic: 'part-17' });
    helper.getNode('grab').receive({ payload: 'go', topic: 'part-18' });
    const [first, second] = await received;
    assert.equal(first.topic, 'part-17', 'the input message travels on');
    assert.equal(second.topic, 'part-18');
    for (const msg of [first, second]) {
      assert.ok(Buffer.isBuffer(msg.payload));
      assert.equal(msg.image.width, 1024);
      assert.equal(msg.image.height, 256);
      assert.equal(msg.image.pixelFormat, 'Mono8');
      assert.equal(msg.image.status, 'complete');
      assert.equal(typeof msg.image.timestamp, 'string', 'no bigint in messages: JSON and the debug sidebar reject it');
      const frame = {
        width: 1024,
        height: 256,
        pixelFormat: PixelFormat.Mono8,
        offsetX: msg.image.offsetX,
        offsetY: msg.image.offsetY,
        blockId: BigInt(msg.image.frameId),
      };
      assert.equal(firstDifference(msg.payload, expectedFrameBytes(frame)), -1);
    }
    assert.ok(second.image.frameId > first.image.frameId);
    // When the frame reached this host, on its clock: after the trigger, first packet before last.
    const { firstPacketMs, lastPacketMs } = first.image.received;
    assert.ok(
      sentAt - 1 <= firstPacketMs && firstPacketMs <= lastPacketMs && lastPacketMs <= Date.now() + 1,
      JSON.stringify(first.image.received),
    );
    JSON.stringify(first.image);
  });

  it('handles a message that arrives while the camera is still connecting (mode next)', async () => {
    await helper.load(packageNodes, flow(cameraConfig(address), grab({ mode: 'next', encoding: 'raw' }), { id: 'out', type: 'helper' }));
    // No wait for "connected": a flow's inject-once fires right after deploy, before the connect.
    const received = collect('out', 1);
    helper.getNode('grab').receive({ topic: 'early' });
    const [msg] = await received;
    assert.equal(msg.topic, 'early');
    assert.equal(msg.image.status, 'complete');
    assert.equal(msg.payload.length, 1024 * 256);
  });

  it("puts the frame's chunk values in msg.image.chunks", async () => {
    const chunkSettings = `${SMALL_FRAME}\nExposureTime=8000\nChunkModeActive=true\nChunkSelector=ExposureTime\nChunkEnable=true\nChunkSelector=Gain\nChunkEnable=true`;
    await helper.load(
      packageNodes,
      flow(cameraConfig(address, chunkSettings), grab({ mode: 'trigger', encoding: 'raw' }), { id: 'out', type: 'helper' }),
    );
    await statusMatching('grab', CONNECTED);
    const received = collect('out', 1);
    helper.getNode('grab').receive({});
    const [msg] = await received;
    assert.deepEqual(msg.image.chunks, { ChunkExposureTime: 8000, ChunkGain: 0 });
    assert.equal(msg.payload.length, 1024 * 256, 'the payload is the image only, without the chunks');
  });

  it('encodes JPEG and PNG with sharp, downscaled on request', async () => {
    await helper.load(
      packageNodes,
      flow(
        cameraConfig(address),
        grab({ mode: 'trigger', encoding: 'jpeg', quality: '70', maxWidth: '512' }),
        { id: 'png', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'png', wires: [['pngOut']] },
        { id: 'out', type: 'helper' },
        { id: 'pngOut', type: 'helper' },
      ),
    );
    await statusMatching('grab', CONNECTED);
    const jpeg = collect('out', 1);
    helper.getNode('grab').receive({});
    const [jpegMsg] = await jpeg;
    assert.equal(jpegMsg.image.mimetype, 'image/jpeg');
    const jpegInfo = await sharp(jpegMsg.payload).metadata();
    assert.equal(jpegInfo.format, 'jpeg');
    assert.equal(jpegInfo.width, 512);
    assert.equal(jpegInfo.height, 128);

    const png = collect('pngOut', 1);
    helper.getNode('png').receive({});
    const [pngMsg] = await png;
    const pngInfo = await sharp(pngMsg.payload).metadata();
    assert.equal(pngInfo.channels, 1, 'greyscale PNG');
    assert.equal(pngInfo.depth, 'uchar', '8-bit for Mono8');
    const { data, info } = await sharp(pngMsg.payload).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 1024);
    const frame = {
      width: 1024,
      height: 256,
      pixelFormat: PixelFormat.Mono8,
      offsetX: pngMsg.image.offsetX,
      offsetY: pngMsg.image.offsetY,
      blockId: BigInt(pngMsg.image.frameId),
    };
    assert.equal(firstDifference(data, expectedFrameBytes(frame)), -1, 'PNG is lossless');
  });

  it('streams every frame in continuous mode, and stops on msg.action = "stop"', async () => {
    await helper.load(
      packageNodes,
      flow(
        cameraConfig(address, `${SMALL_FRAME}\nAcquisitionFrameRate=20`),
        grab({ mode: 'continuous', autoStart: true, encoding: 'raw' }),
        { id: 'out', type: 'helper' },
      ),
    );
    const frames = await collect('out', 4);
    const ids = frames.map((m) => m.image.frameId);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
      'frames in order',
    );
    const stopped = new Promise<void>((resolve, reject) => {
      helper.getNode('grab').receive({ action: 'stop' });
      setTimeout(resolve, 300);
      onCall(helper.getNode('grab'), 'error', (args) => reject(new Error(String(args[0]))));
    });
    await stopped;
    let after = 0;
    helper.getNode('out').on('input', () => {
      after += 1;
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(after, 0, 'no frames after stop');
  });

  it('reports a refused setting and a grab without camera through Catch, without crashing', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      flow(
        cameraConfig(address, 'Width=5'),
        grab({ mode: 'trigger', encoding: 'raw' }),
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ),
    );
    const caught: Array<Record<string, any>> = [];
    helper.getNode('caught').on('input', (msg: Record<string, any>) => caught.push(msg));
    // A setting the camera refuses is a configuration error: the camera stops (issue 9), the reason is in the log and in Catch.
    const status = await statusMatching('grab', /status\.configError$/);
    assert.equal(status.fill, 'red');
    helper.getNode('grab').receive({ payload: 'go' });
    const deadline = Date.now() + 5000;
    while (caught.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // The refused connection itself (no message caused it), with a message made for Catch ...
    const refused = caught.find((msg) => msg.error.code === 'SETTING_FAILED');
    assert.ok(refused, JSON.stringify(caught.map((m) => m.error)));
    assert.equal(refused.error.source.id, 'grab');
    assert.equal(refused.camera.address, address);
    assert.equal(refused.payload.code, 'SETTING_FAILED');
    // ... and the grab that could not run.
    const failed = caught.find((msg) => /configuration error/.test(msg.error.message));
    assert.ok(failed, JSON.stringify(caught.map((m) => m.error)));
    assert.equal(failed.error.source.id, 'grab');
    assert.match(failed.error.message, /Width=5/);
    assert.equal(failed.payload, 'go', 'the input message travels on to Catch');
  });

  it('closes a camera left without users after a deploy moved its user to another camera', async function () {
    this.timeout(15000);
    const otherAddress = uniqueLoopbackAddress();
    const otherCamera = { ...cameraConfig(otherAddress), id: 'cam2', serial: 'NODETEST2' };
    await helper.load(
      packageNodes,
      flow(cameraConfig(address), otherCamera, grab({ mode: 'trigger', encoding: 'raw' }), { id: 'out', type: 'helper' }),
    );
    await statusMatching('grab', CONNECTED);
    assert.deepEqual(pooledCameraKeys(), [address]);

    await helper.setFlows(
      flow(cameraConfig(address), otherCamera, grab({ mode: 'trigger', encoding: 'raw', camera: 'cam2' }), { id: 'out', type: 'helper' }),
      'nodes',
    );
    await statusMatching('grab', CONNECTED);
    const deadline = Date.now() + 8000;
    while (pooledCameraKeys().includes(address) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pooledCameraKeys(), [otherAddress], 'the first camera is released for others to use');
  });

  it('takes over the camera once another config node with other settings lets go of it', async function () {
    this.timeout(15000);
    const wider = { ...cameraConfig(address, `${SMALL_FRAME}\nWidth=2048`), id: 'cam2' };
    await helper.load(
      packageNodes,
      flow(cameraConfig(address), wider, grab({ mode: 'trigger', encoding: 'raw' }), { id: 'out', type: 'helper' }),
    );
    await statusMatching('grab', CONNECTED);
    // The grab moves to cam2 (same address, other settings) while cam still holds the camera.
    await helper.setFlows(
      flow(cameraConfig(address), wider, grab({ mode: 'trigger', encoding: 'raw', camera: 'cam2' }), { id: 'out', type: 'helper' }),
      'nodes',
    );
    assert.notEqual(
      (helper.getNode('cam2') as unknown as CameraConfigNode).camera.state,
      'connected',
      'refused at first: cam still holds the camera',
    );
    await statusMatching('grab', CONNECTED, 10000);
    const received = collect('out', 1);
    helper.getNode('grab').receive({});
    const [msg] = await received;
    assert.equal(msg.image.width, 2048, "cam2's settings apply");
  });

  it('keeps the camera across a modified-nodes deploy and releases everything when removed', async function () {
    this.timeout(30000);
    const deployed = flow(cameraConfig(address), grab({ mode: 'trigger', encoding: 'raw' }), { id: 'out', type: 'helper' });
    // A first cycle warms up lazily created threads (libuv pool, sharp) so the counts below compare like with like.
    await helper.load(packageNodes, deployed);
    await statusMatching('grab', CONNECTED);
    await helper.unload();
    const socketsBefore = openNetworkSockets();
    const threadsBefore = threadCount();

    await helper.load(packageNodes, deployed);
    await statusMatching('grab', CONNECTED);
    const first = collect('out', 1);
    helper.getNode('grab').receive({});
    await first;
    assert.deepEqual(pooledCameraKeys(), [address]);
    assert.ok(threadCount() > threadsBefore, 'streaming runs native threads');

    await helper.setFlows(
      flow(cameraConfig(address), grab({ mode: 'trigger', encoding: 'raw', name: 'renamed' }), { id: 'out', type: 'helper' }),
      'nodes',
    );
    const again = collect('out', 1);
    helper.getNode('grab').receive({});
    await again;
    assert.deepEqual(pooledCameraKeys(), [address], 'the pooled connection survived the redeploy');

    await helper.unload();
    assert.deepEqual(pooledCameraKeys(), []);
    assert.equal(openNetworkSockets(), socketsBefore, 'every socket closed');
    assert.equal(threadCount(), threadsBefore, 'every native thread stopped');
    // The emulated camera's address is free again: its sockets are really gone.
    const reuse = await EmulatedCamera.start({ address });
    await reuse.stop();
  });
});
