import * as assert from 'node:assert/strict';
import { helper, packageNodes, collect, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');


describe('nodes: gige-feature reads, writes and executes features', function () {
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  function load(extra: FlowNode[] = []) {
    return helper.load([...packageNodes, catchNode], onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
      { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'DeviceModelName', wires: [['out']] },
      { id: 'set', type: 'gige-feature', camera: 'cam', action: 'set', feature: 'ExposureAuto', wires: [['out']] },
      { id: 'exec', type: 'gige-feature', camera: 'cam', action: 'execute', feature: '', wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
      ...extra,
    ]));
  }

  it('gets one feature, or several as an object (msg.feature overrides)', async () => {
    await load();
    const out = collect('out', 2);
    helper.getNode('get').receive({});
    helper.getNode('get').receive({ feature: ['Width', 'PixelFormat', 'DeviceVendorName'] });
    const [one, several] = await out;
    assert.equal(one.payload, 'DMK 38GX541-a');
    assert.deepEqual(several.payload, { Width: 4504, PixelFormat: 'Mono8', DeviceVendorName: 'The Imaging Source Europe GmbH' });
  });

  it('sets one value or an object of values in order and returns what the camera holds', async () => {
    await load();
    const out = collect('out', 2);
    helper.getNode('set').receive({ payload: 'Off' });
    helper.getNode('set').receive({ payload: { ExposureTime: 12345.6, Width: 1000 } });
    const [one, several] = await out;
    assert.equal(one.payload, 'Off');
    assert.deepEqual(several.payload, { ExposureTime: 12345.6, Width: 1000 });
  });

  it('executes commands and refuses bad values through Catch with the allowed range', async () => {
    await load();
    const out = collect('out', 1);
    helper.getNode('exec').receive({ feature: 'TestEventGenerate' });
    assert.equal((await out)[0].payload, 'TestEventGenerate');
    const caught = collect('caught', 3);
    helper.getNode('set').receive({ payload: { GainAuto: 'Off', Gain: 99 } });
    helper.getNode('set').receive({ payload: { Width: 1001 } });
    helper.getNode('get').receive({ feature: 'NoSuchFeature' });
    const messages = (await caught).map((m) => m.error.message as string);
    assert.ok(messages.some((m) => /Gain: 99 is out of range; allowed 0…48/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /Width: 1001 .*steps of/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /NoSuchFeature/.test(m)), messages.join('\n'));
  });
});
