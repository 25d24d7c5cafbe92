import * as assert from 'node:assert/strict';
import { helper, packageNodes, collect, cameraConnected, onTab, configCamera, onCall } from './support';
import { uniqueLoopbackAddress, LOOPBACK_BROADCAST } from '../support/loopback';
import { Camera } from '../../lib/camera/camera';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

describe('nodes: gige-action triggers several cameras at one PTP instant', function () {
  this.timeout(20000);

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('one scheduled action gives one frame on each camera, with the same timestamp', async () => {
    // A device key of this test's own: emulators of other test processes share 127.255.255.255.
    const deviceKey = `0x${(0x10000000 + Math.floor(Math.random() * 0x6fffffff)).toString(16)}`;
    const settings = [
      `ActionDeviceKey=${deviceKey}`,
      'ActionSelector=0',
      'ActionGroupKey=0x5',
      'ActionGroupMask=0x1',
      'TriggerMode=On',
      'TriggerSource=Action0',
      'Width=1024',
      'Height=64',
    ].join('\n');
    const [a, b] = [uniqueLoopbackAddress(), uniqueLoopbackAddress()];
    await helper.load(
      packageNodes,
      onTab([
        { id: 'camA', type: 'gige-camera-config', source: 'emulated', address: a, serial: 'SYNC-A', settings },
        { id: 'camB', type: 'gige-camera-config', source: 'emulated', address: b, serial: 'SYNC-B', settings },
        { id: 'grabA', type: 'gige-grab', camera: 'camA', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['outA']] },
        { id: 'grabB', type: 'gige-grab', camera: 'camB', mode: 'continuous', autoStart: true, encoding: 'raw', wires: [['outB']] },
        {
          id: 'action',
          type: 'gige-action',
          address: LOOPBACK_BROADCAST,
          deviceKey,
          groupKey: '0x5',
          groupMask: '0x3',
          scheduled: true,
          delayMs: '300',
          timeCamera: 'camA',
          wires: [['sent']],
        },
        { id: 'outA', type: 'helper' },
        { id: 'outB', type: 'helper' },
        { id: 'sent', type: 'helper' },
      ]),
    );
    await cameraConnected('camA');
    await cameraConnected('camB');
    // Scheduled actions need a calibrated PTP clock (the emulator, like the camera, first spends a
    // settling time Uncalibrated, and refuses with NO_REF_TIME meanwhile).
    for (const id of ['camA', 'camB']) {
      const deadline = Date.now() + 8000;
      while (!['Master', 'Slave'].includes(String(await configCamera(id).use((c) => c.get('PtpStatus'))))) {
        assert.ok(Date.now() < deadline, `${id}: PTP did not lock`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const frameA = collect('outA', 1);
    const frameB = collect('outB', 1);
    const sent = collect('sent', 1);
    helper.getNode('action').receive({});
    const [report] = await sent;
    assert.deepEqual(report.payload.answers.map((x: { address: string }) => x.address).sort(), [a, b].sort());
    const [[ma], [mb]] = await Promise.all([frameA, frameB]);
    const scheduled = BigInt(report.payload.scheduledTime);
    for (const m of [ma, mb]) {
      const lateNs = BigInt(m.image.timestamp) - scheduled;
      assert.ok(lateNs >= 0n && lateNs < 2_000_000n, `exposure starts at the scheduled time (off by ${lateNs} ns)`);
    }
    const apart = BigInt(ma.image.timestamp) - BigInt(mb.image.timestamp);
    assert.ok(apart < 1_000_000n && apart > -1_000_000n, `frames ${apart} ns apart`);
  });

  it('reports cameras that refuse a scheduled action (no PTP lock yet) to Catch, with their answer', async () => {
    const address = uniqueLoopbackAddress();
    const deviceKey = `0x${(0x10000000 + Math.floor(Math.random() * 0x6fffffff)).toString(16)}`;
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'emulated',
          address,
          settings: `ActionDeviceKey=${deviceKey}\nActionGroupKey=0x5\nActionGroupMask=0x1`,
        },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey,
          groupKey: '0x5',
          groupMask: '0x1',
          scheduled: true,
          delayMs: '50',
          timeCamera: 'cam',
          wires: [['sent']],
        },
        { id: 'sent', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    await cameraConnected('cam');
    const caught = collect('caught', 1);
    const sent = collect('sent', 1);
    helper.getNode('action').receive({});
    const [[report], [error]] = await Promise.all([sent, caught]);
    assert.equal(report.payload.answers[0].status, 'NO_REF_TIME');
    assert.match(error.error.message, /NO_REF_TIME.*no synchronized time reference/);
  });

  it('refuses to schedule on a clock camera without a clock instead of sending "now"', async () => {
    const address = uniqueLoopbackAddress();
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey: '0x1',
          groupKey: '0x1',
          groupMask: '0x1',
          scheduled: true,
          delayMs: '50',
          timeCamera: 'cam',
          wires: [['sent']],
        },
        { id: 'sent', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    await cameraConnected('cam');
    // GevTimestampTickFrequency 0: a camera without a timestamp clock (the emulator always has one).
    const tickFrequency = Object.getOwnPropertyDescriptor(Camera.prototype, 'tickFrequency')!;
    Object.defineProperty(Camera.prototype, 'tickFrequency', { get: () => 0n, configurable: true });
    try {
      const caught = collect('caught', 1);
      let sent = 0;
      helper.getNode('sent').on('input', () => {
        sent += 1;
      });
      helper.getNode('action').receive({});
      const [error] = await caught;
      assert.match(error.error.message, /no timestamp clock \(GevTimestampTickFrequency 0\).*send them unscheduled/);
      assert.equal(sent, 0, 'nothing was sent');
    } finally {
      Object.defineProperty(Camera.prototype, 'tickFrequency', tickFrequency);
    }
  });

  function catching(...nodes: Array<Record<string, unknown>>) {
    return onTab([
      ...(nodes as Array<{ id: string; type: string }>),
      { id: 'sent', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ]);
  }

  it('an action no camera answered is not green: "no answer" in yellow, and Catch hears which keys were sent', async () => {
    const address = uniqueLoopbackAddress();
    // The camera's keys are its factory ones (0): these match nothing.
    await helper.load(
      [...packageNodes, catchNode],
      catching(
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        // The camera as the node's (optional) camera: it is opened, so it would answer matching keys.
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey: '0x0BADC0DE',
          groupKey: '0x1',
          groupMask: '0x1',
          scheduled: false,
          timeCamera: 'cam',
          wires: [['sent']],
        },
      ),
    );
    await cameraConnected('cam');
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('action'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    const caught = collect('caught', 1);
    const sent = collect('sent', 1);
    helper.getNode('action').receive({});
    const [[report], [error]] = await Promise.all([sent, caught]);
    assert.deepEqual(report.payload.answers, []);
    assert.equal(error.error.message.includes('No camera answered the action sent to ' + address), true, error.error.message);
    assert.match(error.error.message, /device key 0x0BADC0DE/);
    assert.ok(statuses.length > 0 && statuses.every((st) => st.fill !== 'green'), JSON.stringify(statuses));
    assert.match(String(statuses[statuses.length - 1].text), /no answer|noAnswer/);
  });

  const badProperties: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a device key that is not a number', { deviceKey: 'key1' }, /Device key "key1" is not a 32-bit number/],
    ['a group key beyond 32 bits', { groupKey: '0x100000000' }, /Group key "0x100000000" is not a 32-bit number/],
    ['a destination that is not an address', { address: 'cameras.local' }, /Send to "cameras.local" is not an IPv4 address/],
    [
      'a delay of a year',
      { scheduled: true, delayMs: '31536000000', timeCamera: 'cam' },
      /Delay "31536000000" ms is not allowed; allowed 0 … 86400000 ms/,
    ],
  ];
  for (const [what, props, expected] of badProperties) {
    it(`refuses ${what} at deploy: red "config error", and each message fails with the reason`, async () => {
      await helper.load(
        [...packageNodes, catchNode],
        catching(
          { id: 'cam', type: 'gige-camera-config', source: 'emulated', address: uniqueLoopbackAddress() },
          {
            id: 'action',
            type: 'gige-action',
            address: LOOPBACK_BROADCAST,
            deviceKey: '0x1',
            groupKey: '0x1',
            groupMask: '0x1',
            scheduled: false,
            wires: [['sent']],
            ...props,
          },
        ),
      );
      const caught = collect('caught', 1);
      helper.getNode('action').receive({});
      const [error] = await caught;
      assert.match(error.error.message, expected);
      assert.equal(error.error.source.id, 'action');
    });
  }

  it('refuses message inputs that are not a time or a delay, naming what is allowed', async () => {
    const address = uniqueLoopbackAddress();
    await helper.load(
      [...packageNodes, catchNode],
      catching(
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey: '0x1',
          groupKey: '0x1',
          groupMask: '0x1',
          scheduled: true,
          delayMs: '100',
          timeCamera: 'cam',
          wires: [['sent']],
        },
      ),
    );
    await cameraConnected('cam');
    const caught = collect('caught', 3);
    helper.getNode('action').receive({ scheduledTime: 'tomorrow' });
    helper.getNode('action').receive({ scheduledTime: -5 });
    helper.getNode('action').receive({ delayMs: 'soon' });
    const messages = (await caught).map((m) => m.error.message as string).sort();
    assert.match(messages.join('\n'), /msg.scheduledTime "tomorrow" is not a device time/);
    assert.match(messages.join('\n'), /msg.scheduledTime "-5" is not a device time/);
    assert.match(messages.join('\n'), /Delay "soon" ms is not allowed/);
  });

  it('refuses message inputs that only pass as text: true, an array and an object are no delay or time', async () => {
    // Number(true) is 1 and String(['123']) is "123": these used to schedule an action, and an
    // object was echoed as "[object Object]".
    const address = uniqueLoopbackAddress();
    await helper.load(
      [...packageNodes, catchNode],
      catching(
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey: '0x1',
          groupKey: '0x1',
          groupMask: '0x1',
          scheduled: true,
          delayMs: '100',
          timeCamera: 'cam',
          wires: [['sent']],
        },
      ),
    );
    await cameraConnected('cam');
    const caught = collect('caught', 4);
    helper.getNode('action').receive({ delayMs: true });
    helper.getNode('action').receive({ delayMs: [5] });
    helper.getNode('action').receive({ scheduledTime: ['123'] });
    helper.getNode('action').receive({ scheduledTime: { ns: 5 } });
    const messages = (await caught).map((m) => m.error.message as string).join('\n');
    assert.match(messages, /Delay true ms is not allowed/);
    assert.match(messages, /Delay \[5\] ms is not allowed/);
    assert.match(messages, /msg.scheduledTime \["123"\] is not a device time/);
    assert.match(messages, /msg.scheduledTime \{"ns":5\} is not a device time/);
  });

  it('a scheduled action while its clock camera is absent fails with the reason, never green', async () => {
    const address = uniqueLoopbackAddress();
    await helper.load(
      [...packageNodes, catchNode],
      catching(
        // Nobody answers there: a network camera on an unused loopback address.
        { id: 'cam', type: 'gige-camera-config', source: 'network', address },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey: '0x1',
          groupKey: '0x1',
          groupMask: '0x1',
          scheduled: true,
          delayMs: '100',
          timeCamera: 'cam',
          wires: [['sent']],
        },
      ),
    );
    const statuses: Array<Record<string, any>> = [];
    onCall(helper.getNode('action'), 'status', (args) => statuses.push(args[0] as Record<string, any>));
    await new Promise((r) => setTimeout(r, 1500));
    const caught = collect('caught', 1, 20000);
    helper.getNode('action').receive({});
    const [error] = await caught;
    assert.match(error.error.message, /not connected|no answer|unreachable|not found/i);
    assert.ok(
      statuses.every((st) => st.fill !== 'green'),
      JSON.stringify(statuses),
    );
  });

  it('a redeploy with other keys sends the new ones', async () => {
    const address = uniqueLoopbackAddress();
    const deviceKey = `0x${(0x10000000 + Math.floor(Math.random() * 0x6fffffff)).toString(16)}`;
    const flow = (groupKey: string) =>
      catching(
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'emulated',
          address,
          settings: [
            { name: 'ActionDeviceKey', value: deviceKey },
            { name: 'ActionSelector', value: '0' },
            { name: 'ActionGroupKey', value: '0x7' },
            { name: 'ActionGroupMask', value: '0x1' },
          ],
          version: 1,
        },
        {
          id: 'action',
          type: 'gige-action',
          address,
          deviceKey,
          groupKey,
          groupMask: '0x1',
          scheduled: false,
          timeCamera: 'cam',
          wires: [['sent']],
        },
      );
    await helper.load([...packageNodes, catchNode], flow('0x6'));
    await cameraConnected('cam');
    const first = collect('sent', 1);
    helper.getNode('action').receive({});
    assert.deepEqual((await first)[0].payload.answers, [], 'group 6: no camera');
    await helper.setFlows(flow('0x7'), 'nodes');
    await cameraConnected('cam');
    const second = collect('sent', 1);
    helper.getNode('action').receive({});
    assert.deepEqual(
      (await second)[0].payload.answers.map((a: { address: string }) => a.address),
      [address],
      'group 7: the camera acted',
    );
  });
});
