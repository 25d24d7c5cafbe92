import * as assert from 'node:assert/strict';
import { helper, packageNodes, onTab, statusMatching, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS_TEXT, expectedFrameBytes, firstDifference } from '../support/emulated-scene';
import { PixelFormat } from '../../lib/stream';
import { builtCli, start, type Running } from '../support/processes';
import { coreNode } from '../support/node-red-nodes';

// Issue 15 item 2: flows hold frames — a function node keeping the last few in context, a delay
// node queueing, a join of 10 — and hold them as long as they like. Pool buffers used to come back
// only when V8 collected the frames, so such a flow stopped the stream for good ("keeping 10 → 0
// frames in 20 s") with nothing shown. These flows run in the real Node-RED runtime; nothing here
// forces a garbage collection.

const CORE_NODES = ['function/10-function.js', 'function/89-delay.js', 'sequence/17-split.js'].map(coreNode);

const WIDTH = 1024;
const HEIGHT = 256;
const TEN_FPS = `${IDENTITY_SETTINGS_TEXT}\nWidth=${WIDTH}\nHeight=${HEIGHT}\nAcquisitionFrameRate=10`;

/** The consumer: keeps the last `keep` frames in context and allocates a little per message. */
function keeper(id: string, keep: number, extra = ''): FlowNode {
  return {
    id,
    type: 'function',
    wires: [[]],
    outputs: 1,
    func: `
      const kept = context.get('kept') || [];
      kept.push({ payload: msg.payload, image: msg.image });
      while (kept.length > ${keep}) kept.shift();
      context.set('kept', kept);
      const scratch = [];
      for (let i = 0; i < 2000; i++) scratch.push({ i, text: 'scratch ' + i });
      msg.scratchLength = scratch.length;
      ${extra}
      return msg;`,
  };
}

function cameraConfig(address: string, source: 'emulated' | 'network' = 'emulated') {
  return {
    id: 'cam',
    type: 'gige-camera-config',
    source,
    address,
    serial: 'SLOWCONSUMER',
    frameTimeout: '3000',
    bufferCount: '8',
    settings: TEN_FPS,
  };
}

/** Counts messages arriving at a helper node and the longest silence between them (up to now). */
function watch(nodeId: string) {
  let last = 0;
  let longest = 0;
  const seen = {
    count: 0,
    get longestGapMs() {
      return Math.max(longest, seen.count > 0 ? Date.now() - last : 0);
    },
  };
  helper.getNode(nodeId).on('input', () => {
    const now = Date.now();
    if (seen.count > 0) longest = Math.max(longest, now - last);
    seen.count += 1;
    last = now;
  });
  return seen;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assertKeptFramesIntact(nodeId: string): number {
  const kept = helper.getNode(nodeId).context().get('kept') as Array<{ payload: Buffer; image: Record<string, any> }>;
  for (const { payload, image } of kept) {
    const frame = {
      width: WIDTH,
      height: HEIGHT,
      pixelFormat: PixelFormat.Mono8,
      offsetX: image.offsetX,
      offsetY: image.offsetY,
      blockId: BigInt(image.frameId),
    };
    assert.equal(firstDifference(payload, expectedFrameBytes(frame)), -1, `kept frame ${image.frameId} still holds its own pixels`);
  }
  return kept.length;
}

describe('nodes: slow consumers never stall the stream', function () {
  this.timeout(40000);
  let address: string;
  let camera: Running | undefined;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await camera?.stop();
    camera = undefined;
  });

  it("the issue's flow: 10 fps, 8 buffers, a function keeping the last 10 frames and allocating per frame keeps the rate", async () => {
    await helper.load(
      [...packageNodes, ...CORE_NODES],
      onTab([
        cameraConfig(address),
        { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['keep']] },
        { ...keeper('keep', 10), wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
    );
    const out = watch('out');
    for (let waited = 0; out.count === 0 && waited < 15000; waited += 100) await sleep(100);
    assert.ok(out.count > 0, 'the stream started');
    const start = out.count;
    await sleep(8000);
    const frames = out.count - start;
    // 80 frames at 10 fps; a loaded machine may lose some, but a stall loses nearly all.
    assert.ok(frames >= 40, `${frames} frames in 8 s at 10 fps with 10 frames kept by the flow (longest gap ${out.longestGapMs} ms)`);
    assert.equal(assertKeptFramesIntact('keep'), 10);
  });

  it('a flow keeping frames in context, a delay node queueing 1 msg/s and a join of 10: the stream goes on and every held frame stays intact', async () => {
    await helper.load(
      [...packageNodes, ...CORE_NODES],
      onTab([
        cameraConfig(address),
        {
          id: 'grab',
          type: 'gige-grab',
          camera: 'cam',
          mode: 'continuous',
          autoStart: true,
          encoding: 'raw',
          wires: [['keep', 'delay', 'join', 'out']],
        },
        keeper('keep', 10),
        {
          id: 'delay',
          type: 'delay',
          pauseType: 'rate',
          timeout: '1',
          timeoutUnits: 'seconds',
          rate: '1',
          nbRateUnits: '1',
          rateUnits: 'second',
          randomFirst: '1',
          randomLast: '5',
          randomUnits: 'seconds',
          drop: false,
          allowrate: false,
          outputs: 1,
          wires: [['delayed']],
        },
        {
          id: 'join',
          type: 'join',
          mode: 'custom',
          build: 'array',
          property: 'payload',
          propertyType: 'msg',
          key: 'topic',
          joiner: '\\n',
          joinerType: 'str',
          accumulate: false,
          timeout: '',
          count: '10',
          reduce: false,
          wires: [['joined']],
        },
        { id: 'out', type: 'helper' },
        { id: 'delayed', type: 'helper' },
        { id: 'joined', type: 'helper' },
      ]),
    );
    const out = watch('out');
    const joinedMessages: Array<Record<string, any>> = [];
    helper.getNode('joined').on('input', (msg: Record<string, any>) => joinedMessages.push(msg));
    const delayed = watch('delayed');
    for (let waited = 0; out.count === 0 && waited < 15000; waited += 100) await sleep(100);
    const start = out.count;
    await sleep(8000);
    const frames = out.count - start;
    assert.ok(frames >= 40, `${frames} frames in 8 s at 10 fps (longest gap ${out.longestGapMs} ms)`);
    // Behaviour, not timing: gaps of seconds mean a stall; a loaded machine may delay a frame or two.
    assert.ok(out.longestGapMs < 2500, `the stream paused for ${out.longestGapMs} ms`);
    assert.ok(delayed.count >= 4 && delayed.count <= 12, `the delay node passes 1 msg/s (${delayed.count})`);
    assert.ok(joinedMessages.length >= 3, `joins of 10 frames: ${joinedMessages.length}`);
    // The frames a join and a delay queue held for seconds still hold their own pixels.
    for (const msg of joinedMessages.slice(0, 2)) {
      assert.equal(msg.payload.length, 10);
      for (const payload of msg.payload as Buffer[]) assert.equal(payload.length, WIDTH * HEIGHT);
    }
    assertKeptFramesIntact('keep');
  });

  it("a consumer that blocks the event loop costs counted drops, shown in the grab node's status, and the stream resumes at once", async () => {
    // The 12th message blocks the event loop for 1.5 s: ~15 frames arrive meanwhile, the bounded
    // queue (4) keeps the newest, and the rest are dropped — which the grab node must show. The
    // camera runs in its own process, as a real one does, so it goes on streaming meanwhile.
    camera = start(process.execPath, [builtCli(), 'emulate', '--address', address, '--serial', 'SLOWCONSUMER', '--no-io']);
    await camera.waitFor(/emulated DMK 38GX541-a serial SLOWCONSUMER at/, 20000);
    const block = 'if (msg.image.frameId % 1000 === 12) { const until = Date.now() + 1500; while (Date.now() < until) {} }';
    await helper.load(
      [...packageNodes, ...CORE_NODES],
      onTab([
        cameraConfig(address, 'network'),
        { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['keep']] },
        { ...keeper('keep', 1, block), wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
    );
    const out = watch('out');
    const dropsShown = statusMatching('grab', /^[1-9]\d* dropped$/, 25000);
    for (let waited = 0; out.count < 20 && waited < 20000; waited += 100) await sleep(100);
    await dropsShown;
    const after = out.count;
    await sleep(3000);
    assert.ok(out.count - after >= 15, `${out.count - after} frames in the 3 s after the consumer let go`);
  });
});
