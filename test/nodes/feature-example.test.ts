import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helper, packageNodes, onCall, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
import { ROOT } from '../support/processes';
import { coreNode } from '../support/node-red-nodes';

const CORE_NODES = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'common/25-catch.js'].map(coreNode);

/** Messages a node sends, as they come. */
function sent(nodeId: string): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  onCall(helper.getNode(nodeId), 'send', (args) => out.push(args[0] as Record<string, any>));
  return out;
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nodes: the "Camera features" example runs as shipped on the emulated camera', function () {
  this.timeout(30000);

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('reads, sets a fixed value, sets several from msg.payload, and sends a refused value to Catch', async () => {
    const address = uniqueLoopbackAddress();
    const flow = (JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'Camera features.json'), 'utf8')) as FlowNode[]).map((n) =>
      n.type === 'gige-camera-config' ? { ...n, address } : n,
    );
    await helper.load([...packageNodes, ...CORE_NODES], flow);
    const read = sent('exfeatget0000001');
    const fixed = sent('exfeatfixed00001');
    const several = sent('exfeatset0000001');
    const refused = sent('exfeatcatch00001');

    helper.getNode('exfeatinjfix0001').receive({});
    assert.equal((await until('the fixed value', () => fixed[0])).payload, 20000);
    helper.getNode('exfeatinjread001').receive({});
    assert.deepEqual((await until('the read', () => read[0])).payload, { ExposureTime: 20000, Gain: 0 });
    helper.getNode('exfeatinjobj0001').receive({ payload: { Gain: 6, ExposureTime: 5000 } });
    assert.deepEqual((await until('the object set', () => several[0])).payload, { Gain: 6, ExposureTime: 5000 });
    helper.getNode('exfeatinjbad0001').receive({ payload: { Gain: 99 } });
    assert.match((await until('the refusal', () => refused[0])).error.message, /Gain: 99 is out of range; allowed 0…48/);
  });
});
