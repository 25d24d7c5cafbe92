import * as assert from 'node:assert/strict';
import { helper, packageNodes, collect, onTab, onCall, configCamera, cameraConnected, FlowNode } from './support';
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
    return helper.load(
      [...packageNodes, catchNode],
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'DeviceModelName', wires: [['out']] },
        { id: 'set', type: 'gige-feature', camera: 'cam', action: 'set', feature: 'ExposureAuto', wires: [['out']] },
        { id: 'exec', type: 'gige-feature', camera: 'cam', action: 'execute', feature: '', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
        ...extra,
      ]),
    );
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
    assert.ok(
      messages.some((m) => /Gain: 99 is out of range; allowed 0…48/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /Width: 1001 .*steps of/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /NoSuchFeature/.test(m)),
      messages.join('\n'),
    );
  });

  it("sets a fixed value from its properties (the editor's typed field) for any message, and reads it back", async () => {
    await load([
      {
        id: 'fixed',
        type: 'gige-feature',
        camera: 'cam',
        action: 'set',
        feature: 'ExposureTime',
        valueType: 'fixed',
        value: '15000',
        wires: [['out']],
      },
      {
        id: 'fixedEnum',
        type: 'gige-feature',
        camera: 'cam',
        action: 'set',
        feature: 'ExposureAuto',
        valueType: 'fixed',
        value: 'Off',
        wires: [['out']],
      },
      {
        id: 'fixedBool',
        type: 'gige-feature',
        camera: 'cam',
        action: 'set',
        feature: 'ReverseX',
        valueType: 'fixed',
        value: 'true',
        wires: [['out']],
      },
    ]);
    const first = collect('out', 1);
    helper.getNode('fixedEnum').receive({ payload: 'ignored' });
    assert.equal((await first)[0].payload, 'Off');
    const out = collect('out', 3);
    helper.getNode('fixed').receive({ payload: 'ignored' });
    helper.getNode('fixedBool').receive({});
    helper.getNode('get').receive({ feature: 'ExposureTime' });
    const [time, flipped, read] = await out;
    assert.equal(time.payload, 15000);
    assert.equal(flipped.payload, true);
    assert.equal(read.payload, 15000);
  });

  const badProperties: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown action', { action: 'write', feature: 'Gain' }, /Action "write" is not known; allowed: get, set, execute/],
    ['a name that is not a feature name', { action: 'get', feature: 'Exposure Time!' }, /"Time!" is not a feature name/],
    [
      'a fixed value for two features',
      { action: 'set', feature: 'Gain, ExposureTime', valueType: 'fixed', value: '3' },
      /A fixed value needs exactly one feature \(2 named\)/,
    ],
    ['a fixed value left empty', { action: 'set', feature: 'Gain', valueType: 'fixed', value: ' ' }, /No value to set Gain to/],
  ];
  for (const [what, props, expected] of badProperties) {
    it(`refuses ${what} at deploy: red "config error", and each message fails with the reason`, async () => {
      await load([{ id: 'bad', type: 'gige-feature', camera: 'cam', wires: [['out']], ...props }]);
      const statuses: Array<Record<string, any>> = [];
      onCall(helper.getNode('bad'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
      const caught = collect('caught', 1);
      helper.getNode('bad').receive({ payload: 1 });
      const [error] = await caught;
      assert.match(error.error.message, expected);
      assert.ok(
        statuses.every((st) => st.fill !== 'green'),
        JSON.stringify(statuses),
      );
    });
  }

  it('refuses messages of the wrong type or with unknown names, naming what is allowed', async () => {
    await load();
    const caught = collect('caught', 5);
    helper.getNode('get').receive({ feature: 42 });
    helper.getNode('get').receive({ feature: ['Width', 'no such'] });
    helper.getNode('set').receive({ payload: null });
    helper.getNode('set').receive({ payload: 'Sometimes' });
    helper.getNode('exec').receive({});
    const messages = (await caught).map((m) => m.error.message as string).join('\n');
    assert.match(messages, /msg.feature 42 is not a feature name or a list of names/);
    assert.match(messages, /"no such" is not a feature name/);
    assert.match(messages, /ExposureAuto: no value \(msg.payload is null\)/);
    assert.match(messages, /Sometimes.*(Off|Continuous)/);
    assert.match(messages, /Name the command to execute/);
  });

  it('shows a camera that is absent and fails each message at once with the reason, never green', async () => {
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        // Nobody answers there: a network camera on an unused loopback address.
        { id: 'cam', type: 'gige-camera-config', source: 'network', address },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'Width', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('get'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    await new Promise((r) => setTimeout(r, 1500));
    const caught = collect('caught', 1, 15000);
    helper.getNode('get').receive({});
    const [error] = await caught;
    assert.match(error.error.message, /not connected|unreachable|no answer/i);
    assert.ok(statuses.length > 0 && statuses.every((st) => st.fill !== 'green'), JSON.stringify(statuses));
  });

  it('works again by itself once a lost camera is back, without a redeploy', async function () {
    this.timeout(30000);
    await load();
    await cameraConnected('cam');
    const lost = new Promise<void>((resolve) =>
      configCamera('cam').on('state', (state) => {
        if (state === 'disconnected') resolve();
      }),
    );
    // Release control on the device: the heartbeat finds the camera lost, the config node reconnects.
    await configCamera('cam').use(async (c) => c.device.channel.writeRegister(0x0a00, 0));
    await lost;
    await cameraConnected('cam', 20000);
    const out = collect('out', 1);
    helper.getNode('get').receive({});
    assert.equal((await out)[0].payload, 'DMK 38GX541-a');
  });

  it('a redeploy that changes the feature reads the new one', async () => {
    await load();
    const first = collect('out', 1);
    helper.getNode('get').receive({});
    assert.equal((await first)[0].payload, 'DMK 38GX541-a');
    await helper.setFlows(
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'get', type: 'gige-feature', camera: 'cam', action: 'get', feature: 'DeviceVendorName', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
      'nodes',
    );
    const second = collect('out', 1);
    helper.getNode('get').receive({});
    assert.equal((await second)[0].payload, 'The Imaging Source Europe GmbH');
  });
});
