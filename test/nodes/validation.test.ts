import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, onTab, statusMatching, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

const CATCH: FlowNode[] = [
  { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
];

function firstCaught(): Promise<Record<string, any>> {
  return new Promise((resolve) => helper.getNode('caught').once('input', resolve));
}

/**
 * Issue 15, low items: limits past which a value silently turns into something else (a timeout of
 * 3 000 000 000 ms into 1 ms, encoding "gif" into PNG, 1024 buffers into 20 GB) are refused, in
 * the node's status and to Catch, saying what is allowed; user text is echoed at most ~100 characters.
 */
describe('nodes: values out of range are refused with what is allowed', function () {
  this.timeout(20000);
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  const camera = (extra: Record<string, unknown>): FlowNode => ({
    id: 'cam',
    type: 'gige-camera-config',
    source: 'emulated',
    address,
    serial: 'VALID001',
    ...extra,
  });

  it('encoding "gif" is refused with the allowed list, not turned into PNG', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera({}),
        { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'gif', wires: [['out']] },
        { id: 'out', type: 'helper' },
        ...CATCH,
      ]),
    );
    let sent = 0;
    helper.getNode('out').on('input', () => {
      sent += 1;
    });
    const caught = firstCaught();
    helper.getNode('grab').receive({ payload: 'go' });
    const msg = await caught;
    assert.equal(msg.error.code, 'BAD_ENCODING');
    assert.match(msg.error.message, /Encoding "gif" is not supported; allowed: raw, jpeg, png/);
    assert.equal(sent, 0, 'no PNG pretending to be a GIF');
  });

  for (const [property, value, pattern] of [
    ['frameTimeout', '3000000000', /Frame timeout 3000000000 is not allowed; allowed 1 … 2147483647 ms/],
    ['bufferCount', '1024', /Buffer count 1024 is not allowed; allowed 2 … 64/],
    ['packetSize', '70000', /Packet size 70000 is not allowed; allowed 576 … 16384 bytes/],
  ] as const) {
    it(`camera config ${property} = ${value}: users show it in red, and their messages fail with it`, async () => {
      await helper.load(
        [...packageNodes, catchNode],
        onTab([
          camera({ [property]: value }),
          { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['out']] },
          { id: 'out', type: 'helper' },
          ...CATCH,
        ]),
      );
      // Status texts stay short (the editor cuts them): the reason is in the log and in the error.
      const status = await statusMatching('grab', /status\.configError$/);
      assert.equal(status.fill, 'red');
      const caught = firstCaught();
      helper.getNode('grab').receive({ payload: 'go' });
      const msg = await caught;
      assert.equal(msg.error.code, 'OUT_OF_RANGE');
      assert.match(msg.error.message, pattern);
    });
  }

  it('a 10 MB feature name is echoed in at most ~100 characters', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera({}),
        { id: 'feature', type: 'gige-feature', camera: 'cam', action: 'get', feature: '', wires: [['out']] },
        { id: 'out', type: 'helper' },
        ...CATCH,
      ]),
    );
    const caught = firstCaught();
    helper.getNode('feature').receive({ feature: 'X'.repeat(10 * 1024 * 1024) });
    const msg = await caught;
    assert.ok(msg.error.message.length < 400, `an error of ${msg.error.message.length} characters`);
    assert.match(msg.error.message, /XXXX… \(10485760 characters\)/);
  });
});
