import * as assert from 'node:assert/strict';
import { helper, packageNodes, collect, statusMatching, onCall, onTab, configCamera } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';


describe('nodes: gige-event delivers camera events to the flow', function () {
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
    await helper.load(packageNodes, onTab([
      { id: 'cam', type: 'gige-camera-config', name: 'station3', source: 'emulated', address, settings: 'Width=1024\nHeight=64' },
      { id: 'events', type: 'gige-event', camera: 'cam', events: 'ExposureEnd, Test', wires: [['eventsOut']] },
      { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['frames']] },
      { id: 'eventsOut', type: 'helper' },
      { id: 'frames', type: 'helper' },
    ]));
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
    await helper.load(packageNodes, onTab([
      { id: 'cam', type: 'gige-camera-config', source: 'emulated', address },
      { id: 'events', type: 'gige-event', camera: 'cam', events: 'ExposureEnd, FrameStart', wires: [[]] },
    ]));
    const statuses: string[] = [];
    onCall(helper.getNode('events'), 'status', (args) => statuses.push(String((args[0] as { text?: string })?.text ?? '')));
    const error = await new Promise<string>((resolve) => onCall(helper.getNode('events'), 'error', (args) => resolve(String(args[0]))));
    assert.match(error, /Unknown event FrameStart; this camera offers: ExposureEnd, FrameTriggerMissed/);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(statuses[statuses.length - 1], /unknown event/, `the refusal stays on show, not "connected": ${statuses.join(' → ')}`);
  });
});
