/**
 * gige-grab: what a message controls at runtime (start, stop, encoding, quality, maxWidth),
 * whole multi-frame (HDR) sets as one message, and the editor preview.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { helper, packageNodes, collect, configCamera, nextError, nextStatus, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS_TEXT } from '../support/emulated-scene';
import { PREVIEW_TOPIC } from '../../nodes/grab-preview';
import { FrameSetCollector } from '../../nodes/frame-set-collector';
import type { CameraFrame } from '../../lib/camera/camera';

const SMALL = `${IDENTITY_SETTINGS_TEXT}\nWidth=1024\nHeight=128\nAcquisitionFrameRate=20`;
const HDR =
  `${SMALL}\nMultiFrameSetOutputModeFrameCount=4\nMultiFrameSetOutputModeExposureTime0=250\nMultiFrameSetOutputModeExposureTime1=1000\n` +
  'MultiFrameSetOutputModeExposureTime2=4000\nMultiFrameSetOutputModeExposureTime3=16000\nMultiFrameSetOutputModeEnable=true';

function camera(address: string, settings = SMALL): FlowNode {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'GRABCTL1', frameTimeout: '3000', settings };
}
function grab(props: Record<string, unknown>): FlowNode {
  return {
    id: 'grab',
    type: 'gige-grab',
    camera: 'cam',
    mode: 'trigger',
    encoding: 'raw',
    output: 'frames',
    preview: false,
    wires: [['out']],
    ...props,
  };
}
const out: FlowNode = { id: 'out', type: 'helper' };

function recorder(nodeId: string): Array<Record<string, any>> {
  const seen: Array<Record<string, any>> = [];
  helper.getNode(nodeId).on('input', (msg: Record<string, any>) => seen.push(msg));
  return seen;
}
async function until(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Comms messages the runtime publishes (what the editor receives). */
function commsRecorder(): { messages: Array<{ topic: string; data: any; retain?: boolean }>; stop(): void } {
  const events = (helper as unknown as { _events: NodeJS.EventEmitter })._events;
  const messages: Array<{ topic: string; data: any; retain?: boolean }> = [];
  const listener = (event: { topic: string; data: any; retain?: boolean }) => {
    if (event.topic.startsWith(PREVIEW_TOPIC)) messages.push(event);
  };
  events.on('comms', listener);
  return { messages, stop: () => events.removeListener('comms', listener) };
}

describe('nodes: gige-grab controlled by messages, HDR sets, editor preview', function () {
  this.timeout(40000);
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('msg.encoding, msg.quality and msg.maxWidth apply to one grab; bad values are refused with what is allowed', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'trigger' }), out]));
    const replies = collect('out', 2);
    helper.getNode('grab').receive({ encoding: 'jpeg', quality: 50, maxWidth: 256 });
    helper.getNode('grab').receive({});
    const [jpeg, raw] = await replies;
    assert.equal(jpeg.image.encoding, 'jpeg');
    const info = await sharp(jpeg.payload).metadata();
    assert.deepEqual([info.format, info.width, info.height], ['jpeg', 256, 32]);
    assert.equal(raw.image.encoding, 'raw', 'the next message is back to the configuration');
    assert.equal(raw.payload.length, 1024 * 128);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ encoding: 'gif' }, 'BAD_ENCODING', /Encoding "gif" is not supported; allowed: raw, jpeg, png/],
      [{ encoding: 7 }, 'BAD_ENCODING', /Encoding 7 is not supported/],
      [{ maxWidth: 8 }, 'OUT_OF_RANGE', /msg\.maxWidth 8 is out of range; allowed 16 … 100000 px/],
      [{ maxWidth: 'wide' }, 'WRONG_TYPE', /msg\.maxWidth "wide" is not a number/],
      [{ quality: 101 }, 'OUT_OF_RANGE', /msg\.quality 101 is out of range; allowed 1 … 100/],
      [{ action: 'pause' }, 'UNKNOWN_NAME', /msg\.action "pause" is not allowed; allowed: grab, start, stop/],
      [{ action: true }, 'WRONG_TYPE', /msg\.action true is not allowed/],
    ];
    for (const [props, code, pattern] of cases) {
      const failed = nextError('grab');
      helper.getNode('grab').receive({ payload: 1, ...props });
      const err = await failed;
      assert.equal(err.code, code, err.message);
      assert.match(err.message, pattern);
    }
  });

  it('continuous: msg.action stop stops (grey, never green after stop), start starts again with the encoding the message asks', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'continuous', autoStart: true }), out]));
    const shown: Array<Record<string, any>> = [];
    onCall(helper.getNode('grab'), 'status', (args) => shown.push(args[0] as Record<string, any>));
    const frames = recorder('out');
    await until(() => frames.length >= 2, 'frames');
    helper.getNode('grab').receive({ action: 'stop' });
    await until(() => shown.some((st) => st.text === 'stopped'), 'the stopped status');
    const stoppedAt = shown.findIndex((st) => st.text === 'stopped');
    assert.equal(shown[stoppedAt].fill, 'grey');
    await sleep(300);
    const count = frames.length;
    await sleep(1500);
    assert.equal(frames.length, count, 'no frames after stop');
    assert.ok(
      shown.slice(stoppedAt).every((st) => st.fill !== 'green'),
      JSON.stringify(shown.slice(stoppedAt)),
    );
    assert.equal(await configCamera('cam').use(async (c) => c.acquiring), false, 'the camera stopped streaming');

    helper.getNode('grab').receive({ action: 'start', encoding: 'png', maxWidth: 128 });
    await until(() => frames.length > count, 'frames again');
    const png = frames[frames.length - 1];
    assert.equal(png.image.encoding, 'png');
    assert.equal((await sharp(png.payload).metadata()).width, 128);
  });

  it('next-frame mode: msg.action start keeps the camera streaming without sending, stop lets it go', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'next' }), out]));
    const frames = recorder('out');
    helper.getNode('grab').receive({ action: 'start' });
    await nextStatus('grab', /ready/);
    await until(() => false, 'nothing', 500).catch(() => undefined);
    assert.equal(frames.length, 0);
    assert.equal(await configCamera('cam').use(async (c) => c.acquiring), true);
    helper.getNode('grab').receive({ payload: 'stop' });
    await nextStatus('grab', /stopped/);
    assert.equal(await configCamera('cam').use(async (c) => c.acquiring), false);
  });

  it('trigger mode with armOnDeploy: the camera waits for triggers from deploy on, before any message', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'trigger', armOnDeploy: true }), out]));
    await until(() => configCamera('cam').isConnected, 'the camera');
    const armed = async () => configCamera('cam').use(async (c) => c.acquiring && (await c.get('TriggerMode')) === 'On');
    const deadline = Date.now() + 10000;
    while (!(await armed())) {
      if (Date.now() > deadline) assert.fail('the camera was not armed after deploy');
      await sleep(25);
    }
    const frames = recorder('out');
    helper.getNode('grab').receive({});
    await until(() => frames.length === 1, 'the triggered frame');
    assert.equal(frames[0].image.width, 1024);
  });

  it('trigger mode without armOnDeploy (flows made before it existed): nothing starts until the first message', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'trigger' }), out]));
    await until(() => configCamera('cam').isConnected, 'the camera');
    await sleep(500);
    assert.equal(await configCamera('cam').use(async (c) => c.acquiring), false);
    const frames = recorder('out');
    helper.getNode('grab').receive({});
    await until(() => frames.length === 1, 'the triggered frame');
  });

  it('HDR: every frame of a set carries msg.image.set; in "sets" output one message holds the set, in exposure order', async () => {
    await helper.load(
      packageNodes,
      onTab([
        camera(address, `${HDR}\nChunkModeActive=true`),
        grab({ mode: 'continuous', autoStart: true, output: 'sets' }),
        out,
        { id: 'single', type: 'gige-grab', camera: 'cam', mode: 'next', encoding: 'raw', wires: [['singles']] },
        { id: 'singles', type: 'helper' },
      ]),
    );
    const [set] = await collect('out', 1);
    assert.ok(Array.isArray(set.payload) && set.payload.length === 4);
    assert.ok(set.payload.every((p: unknown) => Buffer.isBuffer(p) && (p as Buffer).length === 1024 * 128));
    assert.deepEqual(
      set.image.map((i: Record<string, any>) => i.set.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      set.image.map((i: Record<string, any>) => i.chunks.ChunkExposureTime),
      [250, 1000, 4000, 16000],
      'in the order the camera exposed them',
    );
    assert.equal(set.set.count, 4);
    assert.ok(set.image.every((i: Record<string, any>) => i.set.id === set.set.id && i.frameId === set.set.id + i.set.index));
    const singles = collect('singles', 1);
    helper.getNode('single').receive({});
    const [frame] = await singles;
    assert.equal(frame.image.set.count, 4, 'a single frame says where it belongs');
    assert.equal(frame.image.set.id + frame.image.set.index, frame.image.frameId);
  });

  it('HDR in next-frame mode: a message gets the next whole set, encoded; without multi-frame output each frame is a set of one', async () => {
    await helper.load(packageNodes, onTab([camera(address, HDR), grab({ mode: 'next', output: 'sets', encoding: 'jpeg' }), out]));
    const sets = collect('out', 1);
    helper.getNode('grab').receive({ topic: 'hdr' });
    const [set] = await sets;
    assert.equal(set.topic, 'hdr');
    assert.equal(set.payload.length, 4);
    for (const jpeg of set.payload) assert.equal((await sharp(jpeg).metadata()).format, 'jpeg');
    const brightness = await Promise.all(set.payload.map(async (jpeg: Buffer) => (await sharp(jpeg).stats()).channels[0].mean));
    assert.ok(
      brightness[0] < brightness[1] && brightness[1] < brightness[2],
      `brighter with longer exposure: ${brightness.map((b) => b.toFixed(1))}`,
    );

    await configCamera('cam').use(async (c) => c.set('MultiFrameSetOutputModeEnable', false));
    const single = collect('out', 1);
    helper.getNode('grab').receive({});
    const [alone] = await single;
    assert.equal(alone.payload.length, 1, 'without multi-frame output each frame is a set of one');
    assert.equal(alone.set.id, null);
  });

  it('a trigger grab cannot send whole sets: refused at deploy with why', async () => {
    await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'trigger', output: 'sets' }), out]));
    const status = await nextStatus('grab', /invalid settings/);
    assert.equal(status.fill, 'red');
    const failed = nextError('grab');
    helper.getNode('grab').receive({});
    assert.match((await failed).message, /need a stream/);
  });

  it('preview: a small JPEG of the latest frame goes to the editor while one is open, at most once a second; none without an editor', async () => {
    const comms = commsRecorder();
    try {
      await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'continuous', autoStart: true, preview: true }), out]));
      const frames = recorder('out');
      await until(() => frames.length >= 10, 'frames');
      assert.equal(comms.messages.filter((m) => m.data.image).length, 0, 'no editor: nothing encoded, nothing sent');

      await helper.request().post('/gige-vision/preview/alive').expect(200);
      const since = Date.now();
      await until(() => comms.messages.filter((m) => m.data.image).length >= 2, 'two previews');
      const previews = comms.messages.filter((m) => m.data.image);
      const elapsed = Date.now() - since;
      assert.ok(previews.length <= Math.ceil(elapsed / 1000) + 1, `${previews.length} previews in ${elapsed} ms`);
      assert.equal(previews[0].topic, `${PREVIEW_TOPIC}grab`);
      assert.equal(previews[0].retain, true);
      const jpeg = Buffer.from(previews[0].data.image, 'base64');
      const info = await sharp(jpeg).metadata();
      assert.deepEqual([info.format, info.width, info.height], ['jpeg', 240, 30]);
      assert.deepEqual([previews[0].data.width, previews[0].data.height], [240, 30]);
      assert.ok(
        Buffer.isBuffer(frames[frames.length - 1].payload) && frames[frames.length - 1].payload.length === 1024 * 128,
        'the flow still gets raw frames',
      );

      // The preview looks at frames and lets them go: the stream's pool is not held.
      const stats = await configCamera('cam').streamStatistics();
      assert.ok(stats && stats.buffersLent <= 1, JSON.stringify(stats?.buffersLent));
      await helper.unload();
      const last = comms.messages[comms.messages.length - 1];
      assert.deepEqual([last.topic, last.data, last.retain], [`${PREVIEW_TOPIC}grab`, { id: 'grab' }, true], 'closing clears the canvas');
    } finally {
      comms.stop();
    }
  });

  it('preview off: nothing is published even with an editor open', async () => {
    const comms = commsRecorder();
    try {
      await helper.load(packageNodes, onTab([camera(address), grab({ mode: 'continuous', autoStart: true, preview: false }), out]));
      await helper.request().post('/gige-vision/preview/alive').expect(200);
      const frames = recorder('out');
      await until(() => frames.length >= 20, 'frames');
      assert.equal(comms.messages.filter((m) => m.data.image).length, 0);
    } finally {
      comms.stop();
    }
  });
});

describe('nodes: FrameSetCollector gathers whole sets and gives up incomplete ones', () => {
  const frame = (id: number, index: number, count = 3) => {
    let released = false;
    return {
      blockId: BigInt(id + index),
      set: { id, index, count },
      release: () => {
        released = true;
      },
      get released() {
        return released;
      },
    } as unknown as CameraFrame & { released: boolean };
  };

  it('completes a set in exposure order, gives up one with a lost member (releasing what it held), skips a set joined late', () => {
    const collector = new FrameSetCollector((f) => f);
    assert.equal(collector.add(frame(5, 1)), null, 'joined in the middle of set 5');
    assert.equal(collector.add(frame(5, 2)), null);
    assert.equal(collector.dropped, 2);
    const a = frame(8, 0);
    assert.equal(collector.add(a), null);
    // Member 1 of set 8 was lost: set 11 begins, set 8 is given up.
    assert.equal(collector.add(frame(8, 2)), null);
    const complete = [frame(11, 0), frame(11, 1), frame(11, 2)].map((f) => collector.add(f));
    assert.ok(a.released, 'what the collector held of a given-up set is released');
    assert.equal(collector.dropped, 4);
    assert.deepEqual(complete.slice(0, 2), [null, null]);
    assert.deepEqual(
      complete[2]?.frames.map((f) => f.set?.index),
      [0, 1, 2],
    );
    assert.equal(complete[2]?.id, 11);
  });

  it('a frame outside any set is a set of one', () => {
    const collector = new FrameSetCollector((f) => f);
    const lone = { blockId: 1n } as unknown as CameraFrame;
    assert.deepEqual(collector.add(lone), { id: null, count: 1, frames: [lone] });
  });
});
