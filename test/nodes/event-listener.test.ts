import * as assert from 'node:assert/strict';
import { helper, packageNodes, collect, statusMatching, onCall, onTab, configCamera } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

describe('nodes: gige-event-listener delivers camera events to the flow', function () {
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('sends ExposureEnd for a grabbed frame and Test for TestEventGenerate, JSON-safe', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', name: 'station3', source: 'emulated', address, settings: 'Width=1024\nHeight=64' },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: 'ExposureEnd, Test', wires: [['eventsOut']] },
        { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['frames']] },
        { id: 'eventsOut', type: 'helper' },
        { id: 'frames', type: 'helper' },
      ]),
    );
    await statusMatching('grab', /common\.status\.connected$/);
    const frames = collect('frames', 1);
    const events = collect('eventsOut', 2);
    helper.getNode('grab').receive({});
    const [frame] = await frames;
    await configCamera('cam').use((camera) => camera.execute('TestEventGenerate'));
    const received = await events;
    const exposureEnd = received.find((m) => m.payload.event === 'ExposureEnd');
    const test = received.find((m) => m.payload.event === 'Test');
    assert.ok(exposureEnd && test, JSON.stringify(received.map((m) => m.topic)));
    assert.equal(exposureEnd.topic, 'station3/ExposureEnd');
    assert.equal(exposureEnd.payload.values.EventExposureEndFrameID, frame.image.frameId);
    assert.equal(typeof test.payload.timestamp, 'string');
    JSON.stringify(received.map((m) => m.payload));
  });

  it('reports an event the camera does not offer, with the list it does', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: 'ExposureEnd, FrameStart', wires: [[]] },
      ]),
    );
    const statuses: string[] = [];
    onCall(helper.getNode('events'), 'status', (args) => statuses.push(String((args[0] as { text?: string })?.text ?? '')));
    const error = await new Promise<string>((resolve) => onCall(helper.getNode('events'), 'error', (args) => resolve(String(args[0]))));
    assert.match(error, /Unknown event FrameStart; this camera offers: ExposureEnd, FrameTriggerMissed/);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(statuses[statuses.length - 1], /unknown event/, `the refusal stays on show, not "connected": ${statuses.join(' → ')}`);
  });

  it('is green only once subscribed, and subscribes again after the camera was lost (events flow again)', async function () {
    this.timeout(30000);
    await helper.load(
      [...packageNodes, catchNode],
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: 'Test', wires: [['eventsOut']] },
        { id: 'eventsOut', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    const shown: Array<Record<string, any>> = [];
    onCall(helper.getNode('events'), 'status', (args) => shown.push(args[0] as Record<string, any>));
    await statusMatching('events', /^subscribed$/);
    assert.ok(
      shown.filter((st) => st.fill === 'green').every((st) => st.text === 'subscribed'),
      JSON.stringify(shown),
    );
    const first = collect('eventsOut', 1);
    await configCamera('cam').use((camera) => camera.execute('TestEventGenerate'));
    await first;

    const caught = collect('caught', 1, 20000);
    shown.length = 0;
    await configCamera('cam').use((camera) => camera.device.channel.writeRegister(0x0a00, 0)); // control lost
    const [lost] = await caught;
    assert.equal(lost.payload.code, 'CAMERA_LOST');
    assert.equal(lost.error.source.id, 'events');
    await statusMatching('events', /^subscribed$|events$/, 20000);
    const lostAt = shown.findIndex((st) => /disconnected|connecting/.test(String(st.text)));
    assert.ok(lostAt >= 0, JSON.stringify(shown));
    assert.ok(shown.slice(lostAt).findIndex((st) => st.fill === 'green') > 0, 'green only after the reconnect');
    const again = collect('eventsOut', 1);
    await configCamera('cam').use((camera) => camera.execute('TestEventGenerate'));
    const [msg] = await again;
    assert.equal(msg.payload.event, 'Test');
  });

  it('without a usable event list it is red and says so; a redeploy with one subscribes', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: ' , ', wires: [[]] },
      ]),
    );
    const status = await statusMatching('events', /no events chosen/);
    assert.equal(status.fill, 'red');
    await helper.setFlows(
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: 'ExposureEnd', wires: [[]] },
      ]),
      'nodes',
    );
    await statusMatching('events', /^subscribed$/);
  });

  it('shows an absent camera, never green', async () => {
    await helper.load(
      packageNodes,
      onTab([
        { id: 'cam', type: 'gige-camera-config', source: 'network', address },
        { id: 'events', type: 'gige-event-listener', camera: 'cam', events: 'Test', wires: [[]] },
      ]),
    );
    const fills: string[] = [];
    onCall(helper.getNode('events'), 'status', (args) => fills.push(String((args[0] as { fill?: string }).fill)));
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(fills.length > 0);
    assert.ok(!fills.includes('green'), fills.join());
  });
});
