import * as assert from 'node:assert/strict';
import { helper, onCall, placeExample, CORE_NODES, ALL_PACKAGE_NODES, FlowNode, until, nextSend } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('flows: two cameras, one scheduled action, frames joined by gige-frame-set', function () {
  this.timeout(90000);

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('"Two cameras, one scheduled action": one message per trigger with both frames, exposed at the scheduled PTP time', async () => {
    const left = uniqueLoopbackAddress();
    const right = uniqueLoopbackAddress();
    // A device key of this test's own: other emulated cameras on the host hear the loopback broadcast too.
    const key = `0x${(0x10000 + (process.pid % 0xffff)).toString(16)}`;
    const flow = placeExample('Two cameras, one scheduled action', (n) => {
      if (n.type === 'gige-camera-config')
        return { ...n, address: n.name === 'left' ? left : right, settings: n.settings.replace('0x00005EED', key) };
      if (n.type === 'gige-action') return { ...n, deviceKey: key };
      return n;
    });
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const sets: Array<Record<string, any>> = [];
    const partial: Array<Record<string, any>> = [];
    onCall(helper.getNode('sy0set000000001'), 'send', (args) => {
      const [complete, incomplete] = args[0] as Array<Record<string, any> | null>;
      // Copied now: the flow's next node replaces msg.payload in the same object.
      if (complete) sets.push({ ...complete, payload: { ...complete.payload } });
      if (incomplete) partial.push({ ...incomplete });
    });
    const scheduled = new Set<string>();
    onCall(helper.getNode('sy0action000001'), 'send', (args) => {
      const msg = args[0] as { payload: { scheduledTime: string; answers: Array<{ address: string; error?: string }> } };
      if (msg.payload.answers.filter((a) => !a.error).length === 2) scheduled.add(msg.payload.scheduledTime);
    });
    // The inject repeats every second once the cameras' PTP has locked (about 3 s): three sets.
    await until('three complete frame sets', () => sets.length >= 3, 60000);
    // The action node reports once every camera answered, which may be after the frames arrived.
    await until(
      'the actions of those sets acknowledged by both cameras',
      () => sets.slice(0, 3).every((s) => scheduled.has(s.frameSet.timestamp)),
      10000,
    ).catch(() => undefined);
    for (const set of sets.slice(0, 3)) {
      assert.deepEqual(Object.keys(set.payload), ['left', 'right']);
      assert.ok(Buffer.isBuffer(set.payload.left) && Buffer.isBuffer(set.payload.right));
      assert.equal(set.images.left.width, 1024);
      assert.equal(set.frameSet.complete, true);
      assert.deepEqual(set.frameSet.missing, []);
      // Low-latency trigger mode: both exposures start exactly at the scheduled time.
      assert.equal(set.frameSet.spreadNs, 0, `timestamps ${set.images.left.timestamp} / ${set.images.right.timestamp}`);
      assert.equal(set.images.left.timestamp, set.images.right.timestamp);
      assert.ok(
        scheduled.has(set.frameSet.timestamp),
        `set at ${set.frameSet.timestamp}, actions scheduled for ${[...scheduled].join(', ')}`,
      );
    }
    assert.equal(partial.length, 0, 'no incomplete set');
  });

  it('gige-frame-set: frames within the tolerance join, a camera missing at the timeout leaves on output 2, unknown cameras are refused', async () => {
    const flow: FlowNode[] = [
      { id: 't', type: 'tab', label: 't' },
      {
        id: 'set',
        type: 'gige-frame-set',
        z: 't',
        cameras: 'a, b',
        cameraProperty: 'topic',
        toleranceUs: '50',
        timeoutMs: '300',
        x: 100,
        y: 100,
        wires: [['complete'], ['incomplete']],
      },
      { id: 'complete', type: 'helper', z: 't', x: 300, y: 80 },
      { id: 'incomplete', type: 'helper', z: 't', x: 300, y: 120 },
      { id: 'catch', type: 'catch', z: 't', scope: null, x: 100, y: 200, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 't', x: 300, y: 200 },
    ];
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const frame = (topic: string, timestamp: bigint) => ({
      topic,
      payload: Buffer.from(topic),
      image: { timestamp: timestamp.toString(), frameId: 1 },
    });
    const node = helper.getNode('set');
    const complete = new Promise<Record<string, any>>((resolve) => helper.getNode('complete').once('input', resolve));
    // b 40 µs after a: one set (the tolerance is 50 µs); a second frame of a 30 µs later opens another.
    node.receive(frame('a', 1_000_000n));
    node.receive(frame('a', 1_030_000n));
    node.receive(frame('b', 1_040_000n));
    const joined = await complete;
    assert.deepEqual(Object.keys(joined.payload), ['a', 'b']);
    assert.equal(joined.frameSet.timestamp, '1000000');
    assert.equal(joined.frameSet.spreadNs, 40000);
    // The second a-frame waits for a b-frame that never comes: incomplete after the timeout.
    const incomplete = new Promise<Record<string, any>>((resolve) => helper.getNode('incomplete').once('input', resolve));
    const late = await incomplete;
    assert.deepEqual([late.frameSet.complete, late.frameSet.missing, Object.keys(late.payload)], [false, ['b'], ['a']]);
    const refused = nextSend('catch');
    node.receive(frame('c', 2_000_000n));
    assert.match((await refused).error.message, /Frame from "c" is not one of the cameras this set waits for \(a, b\)/);
  });
});
