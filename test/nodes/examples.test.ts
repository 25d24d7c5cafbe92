import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { helper, packageNodes, onCall } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { ROOT } from '../support/processes';

// Node-RED's own nodes that the examples wire to ours.
const core = (file: string) => require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core', file));
const CORE_NODES = [
  'common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'function/15-change.js',
  'function/10-function.js', 'function/80-template.js', 'network/21-httpin.js', 'storage/10-file.js',
  'network/10-mqtt.js',
].map(core);

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
    const known = new Set(['tab', 'comment', 'inject', 'debug', 'change', 'function', 'template', 'http in', 'http response', 'file',
      'mqtt-broker', 'mqtt out', 'gige-camera-config', 'gige-grab', 'gige-event-listener', 'gige-feature', 'gige-action', 'gige-record',
      'gige-software-trigger', 'gige-strobe', 'gige-ptp-scheduler', 'gige-chunk-reader',
      'gige-frame-set', 'catch', 'status', 'switch', 'rbe', 'trigger', 'delay', 'link in', 'link out', 'split',
      // Third-party nodes of the PLC and dashboard examples (test-time devDependencies; users install them from the palette).
      'modbus-client', 'modbus-read', 'modbus-write', 'modbus-flex-write', 'modbus-getter', 'OpcUa-Endpoint', 'OpcUa-Client', 'OpcUa-Item',
      'ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-template', 'ui-slider', 'ui-button', 'ui-text']);
    for (const file of fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'))) {
      const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as FlowNode[];
      assert.ok(nodes.some((n) => n.type === 'comment'), `${file} starts with a comment explaining it`);
      for (const n of nodes) assert.ok(known.has(n.type), `${file}: node type ${n.type}`);
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
    frame.then(() => { framed = true; }, () => undefined);
    const acknowledged: Array<Record<string, any>> = [];
    onCall(helper.getNode('ex5action0000001'), 'send', (args) => acknowledged.push(args[0] as Record<string, any>));
    // The camera takes its settings and starts acquisition once connected: act until a frame comes (bounded).
    for (let i = 0; i < 30 && !framed; i++) {
      helper.getNode('ex5inject0000001').receive({ payload: Date.now() });
      await new Promise((r) => setTimeout(r, 500));
    }
    const msg = await frame;
    assert.deepEqual([msg.image.width, msg.image.height, msg.image.status], [1024, 768, 'complete']);
    assert.ok(acknowledged.some((m) => m.payload.answers.some((a: Record<string, unknown>) => a.address === address && !a.error)), JSON.stringify(acknowledged));
  });

  it('"Live camera demo": JPEG frames reach the flow context that /camera/latest.jpg serves from', async () => {
    await helper.load([...packageNodes, ...CORE_NODES], example('Live camera demo.json', address));
    await firstSend('d3m0grab00000001', 15000);
    await new Promise((r) => setTimeout(r, 200));
    const jpeg = helper.getNode('d3m0keep00000001').context().flow.get('latestJpeg') as Buffer;
    assert.ok(Buffer.isBuffer(jpeg));
    assert.equal((await sharp(jpeg).metadata()).width, 1024);
  });
});
