import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { helper, packageNodes, onCall } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { ROOT } from '../support/processes';
import { coreNode } from '../support/node-red-nodes';

// Node-RED's own nodes that the examples wire to ours.
const CORE_NODES = [
  'common/20-inject.js',
  'common/21-debug.js',
  'common/90-comment.js',
  'common/25-catch.js',
  'function/15-change.js',
  'function/10-function.js',
  'function/80-template.js',
  'network/21-httpin.js',
  'storage/10-file.js',
  'network/10-mqtt.js',
].map(coreNode);

type FlowNode = { id: string; type: string } & Record<string, unknown>;

/** An example as shipped, moved onto a test's own loopback address (and output directory). */
function example(name: string, address: string, outputDir?: string): FlowNode[] {
  const text = fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');
  const nodes = JSON.parse(outputDir ? text.split('/tmp/gige-frames').join(outputDir) : text) as FlowNode[];
  const tab = nodes.find((n) => n.type === 'tab');
  const z = tab ? tab.id : 'example-tab';
  const placed = nodes.map((n) => {
    if (n.type === 'gige-camera-config') return { ...n, address };
    return n.type === 'tab' ? n : { ...n, z };
  });
  return tab ? placed : [{ id: z, type: 'tab', label: name }, ...placed];
}

function firstSend(nodeId: string, timeoutMs = 10000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId} sent nothing within ${timeoutMs} ms`)), timeoutMs);
    onCall(helper.getNode(nodeId), 'send', (args) => {
      clearTimeout(timer);
      resolve(args[0] as Record<string, any>);
    });
  });
}

describe('nodes: the example flows run as shipped, without hardware', function () {
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

  it('every example parses and names only node types that exist', () => {
    const known = new Set([
      'tab',
      'comment',
      'inject',
      'debug',
      'change',
      'function',
      'template',
      'http in',
      'http response',
      'file',
      'mqtt-broker',
      'mqtt out',
      'gige-camera-config',
      'gige-grab',
      'gige-event-listener',
      'gige-feature',
      'gige-action',
      'gige-record',
      'gige-software-trigger',
      'gige-strobe',
      'gige-ptp-scheduler',
      'gige-chunk-reader',
      'gige-frame-set',
      'gige-hdr-merge',
      'gige-stream-stats',
      'catch',
      'status',
      'switch',
      'rbe',
      'trigger',
      'delay',
      'link in',
      'link out',
      'split',
      // Third-party nodes of the PLC and dashboard examples (test-time devDependencies; users install them from the palette).
      'modbus-client',
      'modbus-read',
      'modbus-write',
      'modbus-flex-write',
      'modbus-getter',
      'OpcUa-Endpoint',
      'OpcUa-Client',
      'OpcUa-Item',
      'ui-base',
      'ui-page',
      'ui-group',
      'ui-theme',
      'ui-template',
      'ui-slider',
      'ui-button',
      'ui-text',
    ]);
    for (const file of fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'))) {
      const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as FlowNode[];
      assert.ok(
        nodes.some((n) => n.type === 'comment'),
        `${file} starts with a comment explaining it`,
      );
      for (const n of nodes) assert.ok(known.has(n.type), `${file}: node type ${n.type}`);
      // The editor's validator rejects a grab node without an output choice (a red triangle on import).
      for (const n of nodes.filter((x) => x.type === 'gige-grab'))
        assert.ok(['frames', 'sets'].includes(n.output as string), `${file}: ${n.id} output ${n.output}`);
    }
  });

  it('"Grab a frame per trigger": the inject grabs a frame', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Grab a frame per trigger.json', address));
    const sent = firstSend('ex1grab000000001');
    helper.getNode('ex1inject0000001').receive({ payload: Date.now() });
    const msg = await sent;
    assert.equal(msg.image.width, 4504);
    assert.equal(msg.image.status, 'complete');
  });

  it('"Trigger with an action command": the camera acknowledges the action and the frame it triggers arrives', async () => {
    // Unicast to this test's camera: other tests' emulated cameras share the loopback broadcast.
    const flow = example('Trigger with an action command.json', address).map((n) => (n.type === 'gige-action' ? { ...n, address } : n));
    await helper.load([...packageNodes, ...CORE_NODES], flow);
    const frame = firstSend('ex5grab000000001', 20000);
    let framed = false;
    frame.then(
      () => {
        framed = true;
      },
      () => undefined,
    );
    const acknowledged: Array<Record<string, any>> = [];
    onCall(helper.getNode('ex5action0000001'), 'send', (args) => acknowledged.push(args[0] as Record<string, any>));
    // The camera takes its settings and starts acquisition once connected: act until a frame comes (bounded).
    for (let i = 0; i < 30 && !framed; i++) {
      helper.getNode('ex5inject0000001').receive({ payload: Date.now() });
      await new Promise((r) => setTimeout(r, 500));
    }
    const msg = await frame;
    assert.deepEqual([msg.image.width, msg.image.height, msg.image.status], [1024, 768, 'complete']);
    assert.ok(
      acknowledged.some((m) => m.payload.answers.some((a: Record<string, unknown>) => a.address === address && !a.error)),
      JSON.stringify(acknowledged),
    );
  });

  it('"Live camera demo": JPEG frames reach the flow context that /camera/latest.jpg serves from', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Live camera demo.json', address));
    await firstSend('d3m0grab00000001', 15000);
    await new Promise((r) => setTimeout(r, 200));
    const jpeg = helper.getNode('d3m0keep00000001').context().flow.get('latestJpeg') as Buffer;
    assert.ok(Buffer.isBuffer(jpeg));
    assert.equal((await sharp(jpeg).metadata()).width, 1024);
  });

  /** Every message `nodeId` sends from now on. */
  function sends(nodeId: string): Array<Record<string, any>> {
    const seen: Array<Record<string, any>> = [];
    onCall(helper.getNode(nodeId), 'send', (args) => {
      const out = args[0];
      // A function node sends [[msg]]: one array per output.
      for (const m of [out].flat(2)) if (m) seen.push(m as Record<string, any>);
    });
    return seen;
  }
  async function until(condition: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('"Software trigger with timestamps": three triggers, two frames each, every frame matched to its trigger', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Software trigger with timestamps.json', address));
    const triggers = sends('ex6trigger000001');
    const matched = sends('ex6match00000001');
    // The trigger node is ready once it has switched the camera to software trigger.
    for (let i = 0; i < 30 && triggers.length === 0; i++) {
      helper.getNode('ex6inject0000001').receive({ payload: Date.now() });
      await new Promise((r) => setTimeout(r, 700));
    }
    await until(() => triggers.length >= 3 && matched.filter((m) => m.payload.trigger >= 1).length >= 6, 'six matched frames');
    const first = matched.filter((m) => m.payload.trigger >= 1).slice(0, 6);
    assert.deepEqual(
      first.map((m) => m.payload.trigger),
      [1, 1, 2, 2, 3, 3],
    );
    assert.ok(first.every((m) => m.payload.delayMs >= 0));
  });

  it('"Strobe output": the strobe is on at deploy, a message changes it, the camera\'s values come back', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Strobe output.json', address));
    const replies = sends('ex7strobe0000001');
    for (let i = 0; i < 30 && replies.length === 0; i++) {
      helper.getNode('ex7inject0000001').receive({ payload: { operation: 'Exposure' } });
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(replies[0].payload, {
      enable: true,
      polarity: 'ActiveHigh',
      operation: 'Exposure',
      duration: 1500,
      delay: 20,
      output: false,
    });
  });

  it('"PTP scheduled capture": the clock locks, the schedule is committed, frames come exactly 500 ms apart', async function () {
    this.timeout(40000);
    await helper.load([...packageNodes, ...CORE_NODES], example('PTP scheduled capture.json', address));
    const states = sends('ex8ptp0000000001');
    const frames = sends('ex8grab000000001');
    await until(() => states.some((m) => m.payload.action === 'commit'), 'the schedule', 20000);
    assert.ok(
      states.some((m) => m.payload.locked === true),
      'locked first',
    );
    const first = BigInt(states.find((m) => m.payload.action === 'commit')!.payload.time);
    await until(() => frames.filter((f) => BigInt(f.image.timestamp) >= first).length >= 3, 'scheduled frames', 15000);
    const stamps = frames
      .map((f) => BigInt(f.image.timestamp))
      .filter((t) => t >= first)
      .slice(0, 3);
    assert.deepEqual(
      stamps.map((t) => t - first),
      [0n, 500_000_000n, 1_000_000_000n],
    );
  });

  it('"Camera events": the listener gets a Test event and the exposure end of a grabbed frame', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Camera events.json', address));
    const events = sends('ex9events0000001');
    const frames = sends('ex9grab000000001');
    for (let i = 0; i < 30 && !events.some((m) => m.payload.event === 'Test'); i++) {
      helper.getNode('ex9inject0000002').receive({ payload: Date.now() });
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(events.find((m) => m.payload.event === 'Test')?.topic, 'station1/Test');
    helper.getNode('ex9inject0000001').receive({ payload: Date.now() });
    await until(
      () =>
        frames.length > 0 &&
        events.some((m) => m.payload.event === 'ExposureEnd' && m.payload.values.EventExposureEndFrameID === frames[0].image.frameId),
      'its exposure end',
    );
  });

  it('"Chunk data - exposure and gain per frame": every frame\'s exposure time and gain as the camera used them', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Chunk data - exposure and gain per frame.json', address));
    const values = sends('ex10chunks000001');
    await until(() => values.length >= 2, 'chunk values', 20000);
    for (const msg of values) {
      assert.equal(typeof msg.payload.exposureTime, 'number');
      assert.equal(typeof msg.payload.gain, 'number');
      assert.match(msg.payload.timestamp, /^\d+$/);
    }
  });

  it('"HDR sets": one message per set of four exposures, in exposure order', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('HDR sets.json', address));
    const sets = sends('ex11mean00000001');
    for (let i = 0; i < 30 && sets.length === 0; i++) {
      helper.getNode('ex11inject000001').receive({ payload: Date.now() });
      await new Promise((r) => setTimeout(r, 700));
    }
    await until(() => sets.length > 0, 'a set');
    assert.deepEqual(
      sets[0].payload.map((f: Record<string, any>) => [f.index, f.exposureTime]),
      [
        [0, 500],
        [1, 2000],
        [2, 8000],
        [3, 32000],
      ],
    );
  });
});
