import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
import { helper, packageNodes, configCamera, collect, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

function camera(address: string): FlowNode {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'STROBE01', frameTimeout: '3000' };
}

function strobe(props: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'strobe',
    type: 'gige-strobe',
    camera: 'cam',
    enable: 'On',
    operation: 'FixedDuration',
    duration: '1500',
    delay: '20',
    wires: [['out']],
    ...props,
  };
}

/** What the camera holds, read through the config node's camera (not through the node under test). */
async function held(names: string[]): Promise<Record<string, unknown>> {
  return configCamera('cam').use(async (c) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await c.get(n)]))));
}

function statusText(nodeId: string, pattern: RegExp, timeoutMs = 10000): Promise<Record<string, any>> {
  const node = helper.getNode(nodeId);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId}: no status matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    onCall(node, 'status', (args) => {
      const status = args[0] as Record<string, any>;
      if (pattern.test(String(status?.text ?? ''))) {
        clearTimeout(timer);
        resolve(status);
      }
    });
  });
}

describe('nodes: gige-strobe sets the strobe output of manual 5.7', function () {
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('applies its configuration on connect, shows it, and a message changes it and reads back what the camera holds', async () => {
    await helper.load(packageNodes, onTab([camera(address), strobe(), { id: 'out', type: 'helper' }]));
    const shown = await statusText('strobe', /1500 µs/);
    assert.equal(shown.fill, 'green');
    assert.deepEqual(await held(['StrobeEnable', 'StrobeOperation', 'StrobeDuration', 'StrobeDelay']), {
      StrobeEnable: 'On',
      StrobeOperation: 'FixedDuration',
      StrobeDuration: 1500,
      StrobeDelay: 20,
    });

    const replies = collect('out', 2);
    helper.getNode('strobe').receive({ topic: 't', payload: { polarity: 'ActiveLow', duration: 32767, output: true } });
    helper.getNode('strobe').receive({ payload: Date.now() });
    const [changed, readBack] = await replies;
    assert.equal(changed.topic, 't', 'the message travels on');
    assert.deepEqual(changed.payload, {
      enable: true,
      polarity: 'ActiveLow',
      operation: 'FixedDuration',
      duration: 32767,
      delay: 20,
      output: true,
    });
    assert.deepEqual(readBack.payload, changed.payload, 'a timestamp only reads back');
    assert.deepEqual(await held(['StrobePolarity', 'StrobeDuration', 'GPOut']), {
      StrobePolarity: 'ActiveLow',
      StrobeDuration: 32767,
      GPOut: true,
    });
  });

  it("refuses wrong types, unknown names and values out of the manual's range, naming what is allowed", async () => {
    await helper.load(packageNodes, onTab([camera(address), strobe(), { id: 'out', type: 'helper' }]));
    await statusText('strobe', /1500 µs/);
    const errors: string[] = [];
    const codes: string[] = [];
    onCall(helper.getNode('strobe'), 'error', (args) => {
      errors.push(String(args[0]));
      codes.push(String((args[0] as { code?: string }).code));
    });
    const bad = [
      { duration: 40000 },
      { duration: -1 },
      { delay: 1.5 },
      { duration: 'long' },
      { polarity: 'Inverted' },
      { enable: 'maybe' },
      { shutter: 1 },
      'on',
      [1, 2],
    ];
    for (const payload of bad) helper.getNode('strobe').receive({ payload });
    const deadline = Date.now() + 5000;
    while (errors.length < bad.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(errors.length, bad.length, errors.join('\n'));
    assert.match(errors[0], /msg\.payload\.duration 40000 is out of range; allowed 0 … 32767 µs/);
    assert.match(errors[1], /allowed 0 … 32767 µs/);
    assert.match(errors[2], /whole numbers/);
    assert.match(errors[3], /"long" is not a number/);
    assert.match(errors[4], /"Inverted" is not allowed; allowed: ActiveHigh, ActiveLow/);
    assert.match(errors[5], /"maybe" is not true or false/);
    assert.match(errors[6], /unknown property "shutter"; allowed: enable, polarity, operation, duration, delay, output/);
    assert.match(errors[7], /must be an object/);
    assert.deepEqual(codes, [
      'OUT_OF_RANGE',
      'OUT_OF_RANGE',
      'OUT_OF_RANGE',
      'WRONG_TYPE',
      'UNKNOWN_NAME',
      'WRONG_TYPE',
      'UNKNOWN_NAME',
      'WRONG_TYPE',
      'WRONG_TYPE',
    ]);
    assert.deepEqual(
      await held(['StrobeDuration', 'StrobePolarity']),
      { StrobeDuration: 1500, StrobePolarity: 'ActiveHigh' },
      'nothing changed',
    );
  });

  it('re-applies what it stands for after a reconnect (the camera changed meanwhile), and reports the loss to Catch', async function () {
    this.timeout(30000);
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        camera(address),
        strobe(),
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    await statusText('strobe', /1500 µs/);
    const replied = collect('out', 1);
    helper.getNode('strobe').receive({ payload: { duration: 700 } });
    await replied;
    const caught = collect('caught', 1, 20000);
    // Changed behind the node's back, then control lost (released on the device: the heartbeat notices).
    await configCamera('cam').use(async (c) => c.set('StrobeDuration', 1000));
    await configCamera('cam').use(async (c) => c.device.channel.writeRegister(0x0a00, 0)); // release control: the heartbeat loses it
    const [lost] = await caught;
    assert.equal(lost.error.source.id, 'strobe');
    assert.equal(lost.payload.code, 'CAMERA_LOST');
    assert.equal(lost.camera.address, address);
    await statusText('strobe', /700 µs/, 20000);
    assert.equal((await held(['StrobeDuration'])).StrobeDuration, 700, "the message's change survived the reconnect");
  });

  it('shows a camera that is absent, and fails messages with the reason, never green', async () => {
    await helper.load(packageNodes, onTab([{ ...camera(address), source: 'network' }, strobe(), { id: 'out', type: 'helper' }]));
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('strobe'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    const failed = new Promise<string>((resolve) => onCall(helper.getNode('strobe'), 'error', (args) => resolve(String(args[0]))));
    await new Promise((r) => setTimeout(r, 1500));
    helper.getNode('strobe').receive({ payload: { duration: 10 } });
    assert.match(await failed, /not connected|connecting|no answer/i);
    assert.ok(statuses.length > 0);
    assert.ok(
      statuses.every((s) => s.fill !== 'green'),
      JSON.stringify(statuses),
    );
  });

  it('a configuration out of range is refused at deploy, on the node and for every message', async () => {
    await helper.load(packageNodes, onTab([camera(address), strobe({ duration: '99999' }), { id: 'out', type: 'helper' }]));
    const status = await statusText('strobe', /invalid settings/);
    assert.equal(status.fill, 'red');
    const failed = new Promise<string>((resolve) => onCall(helper.getNode('strobe'), 'error', (args) => resolve(String(args[0]))));
    helper.getNode('strobe').receive({ payload: 1 });
    assert.match(await failed, /duration 99999 is out of range/);
  });

  it('survives a redeploy that changes it, applying the new configuration', async () => {
    const flow = onTab([camera(address), strobe(), { id: 'out', type: 'helper' }]);
    await helper.load(packageNodes, flow);
    await statusText('strobe', /1500 µs/);
    await helper.setFlows(onTab([camera(address), strobe({ operation: 'Exposure' }), { id: 'out', type: 'helper' }]), 'nodes');
    await statusText('strobe', /exposure/);
    assert.equal((await held(['StrobeOperation'])).StrobeOperation, 'Exposure');
  });
});
