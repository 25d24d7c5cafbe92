import * as assert from 'node:assert/strict';
import { helper, packageNodes, configCamera, collect, nextStatus, nextError, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

const SMALL = 'Width=1024\nHeight=64\nAcquisitionFrameRate=20';

function camera(address: string, settings = SMALL): FlowNode {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'TRIGGER1', frameTimeout: '3000', settings };
}
function trigger(props: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'trigger',
    type: 'gige-software-trigger',
    camera: 'cam',
    count: '1',
    interval: '0',
    burst: '',
    switchMode: true,
    wires: [['triggers']],
    ...props,
  };
}
const everyFrame: FlowNode = {
  id: 'grab',
  type: 'gige-grab',
  camera: 'cam',
  mode: 'continuous',
  autoStart: true,
  encoding: 'raw',
  wires: [['frames']],
};

async function held(names: string[]): Promise<Record<string, unknown>> {
  return configCamera('cam').use(async (c) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await c.get(n)]))));
}

describe('nodes: gige-software-trigger fires TriggerSoftware and says when', function () {
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

  it("switches the camera to software trigger (announced), and each trigger's timestamp matches the frames an every-frame grab receives", async () => {
    await helper.load(
      packageNodes,
      onTab([
        camera(address),
        trigger({ count: '3', interval: '300', burst: '2' }),
        everyFrame,
        { id: 'triggers', type: 'helper' },
        { id: 'frames', type: 'helper' },
      ]),
    );
    const warned = new Promise<string>((resolve) => onCall(helper.getNode('trigger'), 'warn', (args) => resolve(String(args[0]))));
    await nextStatus('trigger', /ready/);
    assert.match(await warned, /TriggerMode Off → On/, 'the switch is said in the log');
    assert.deepEqual(await held(['TriggerMode', 'TriggerSource', 'AcquisitionBurstFrameCount']), {
      TriggerMode: 'On',
      TriggerSource: 'Any',
      AcquisitionBurstFrameCount: 2,
    });
    // Frames of the free-running start are behind us once the stream has been quiet for a while.
    const frames: Array<Record<string, any>> = [];
    await new Promise((r) => setTimeout(r, 500));
    helper.getNode('frames').on('input', (msg: Record<string, any>) => frames.push(msg));

    const triggers = collect('triggers', 3);
    helper.getNode('trigger').receive({ topic: 'part-7' });
    const sent = await triggers;
    assert.deepEqual(
      sent.map((m) => m.payload.trigger),
      [1, 2, 3],
    );
    assert.ok(sent.every((m) => m.topic === 'part-7' && m.payload.count === 3 && m.payload.frames === 2 && m.payload.camera === address));
    assert.ok(new Set(sent.map((m) => m._msgid)).size >= 1);
    const stamps = sent.map((m) => BigInt(m.payload.timestamp));
    assert.ok(stamps[0] < stamps[1] && stamps[1] < stamps[2]);
    const deadline = Date.now() + 8000;
    while (frames.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(frames.length, 6, 'two frames per trigger');
    // A frame belongs to the last trigger at or before its timestamp: two each, in order.
    const owner = frames.map((f) => {
      const ts = BigInt(f.image.timestamp);
      let k = -1;
      for (let i = 0; i < stamps.length; i++) if (stamps[i] <= ts) k = i;
      return k;
    });
    assert.deepEqual(owner, [0, 0, 1, 1, 2, 2], frames.map((f) => f.image.timestamp).join(', '));
  });

  it('refuses bad counts, intervals and bursts, naming the allowed range', async () => {
    await helper.load(
      packageNodes,
      onTab([camera(address), trigger(), everyFrame, { id: 'triggers', type: 'helper' }, { id: 'frames', type: 'helper' }]),
    );
    await nextStatus('trigger', /ready/);
    const cases: Array<[Record<string, unknown>, RegExp, string]> = [
      [{ count: 0 }, /msg\.count 0 is out of range; allowed 1 … 1000/, 'OUT_OF_RANGE'],
      [{ count: 1001 }, /allowed 1 … 1000/, 'OUT_OF_RANGE'],
      [{ count: 'many' }, /msg\.count "many" is not a number/, 'WRONG_TYPE'],
      [{ interval: -5 }, /msg\.interval -5 is out of range; allowed 0 … 60000 ms/, 'OUT_OF_RANGE'],
      [{ burst: 2000 }, /msg\.burst 2000 is out of range/, 'OUT_OF_RANGE'],
      [{ count: 1.5 }, /whole numbers/, 'OUT_OF_RANGE'],
    ];
    for (const [props, pattern, code] of cases) {
      const failed = nextError('trigger');
      helper.getNode('trigger').receive({ payload: 1, ...props });
      const err = await failed;
      assert.match(err.message, pattern);
      assert.equal(err.code, code);
    }
  });

  it('without "switch", a free-running camera is refused with what it is set to (red, to Catch), and nothing is changed', async () => {
    await helper.load(
      packageNodes,
      onTab([
        camera(address),
        trigger({ switchMode: false }),
        everyFrame,
        { id: 'triggers', type: 'helper' },
        { id: 'frames', type: 'helper' },
      ]),
    );
    const status = await nextStatus('trigger', /not in trigger mode/);
    assert.equal(status.fill, 'red');
    const failed = nextError('trigger');
    helper.getNode('trigger').receive({ payload: 1 });
    const err = await failed;
    assert.equal(err.code, 'NOT_TRIGGER_MODE');
    assert.match(err.message, /TriggerMode=Off, TriggerSource=Any/);
    assert.equal((await held(['TriggerMode'])).TriggerMode, 'Off');
  });

  it('sends the clock latch and the trigger in one write: no round trip in front of the trigger', async () => {
    await helper.load(
      packageNodes,
      onTab([camera(address), trigger(), everyFrame, { id: 'triggers', type: 'helper' }, { id: 'frames', type: 'helper' }]),
    );
    await nextStatus('trigger', /ready/);
    const writes: string[] = [];
    await configCamera('cam').use(async (c) => {
      const channel = c.device.channel;
      const writeRegisters = channel.writeRegisters.bind(channel);
      channel.writeRegisters = (list, options) => {
        writes.push(list.map((w) => `0x${w.address.toString(16)}`).join(' '));
        return writeRegisters(list, options);
      };
    });
    const sent = collect('triggers', 1);
    helper.getNode('trigger').receive({ payload: 1 });
    const [message] = await sent;
    assert.equal(typeof message.payload.timestamp, 'string');
    assert.equal(writes.length, 1, `one write per trigger: ${writes.join(' | ')}`);
    assert.equal(writes[0].split(' ').length, 2, `the latch and the trigger together: ${writes[0]}`);
  });

  it('refuses to trigger a camera that is not acquiring (no grab takes frames): the trigger would be lost', async () => {
    await helper.load(packageNodes, onTab([camera(address), trigger(), { id: 'triggers', type: 'helper' }]));
    await nextStatus('trigger', /ready/);
    const failed = nextError('trigger');
    const shown = nextStatus('trigger', /no acquisition/);
    helper.getNode('trigger').receive({ payload: 1 });
    const err = await failed;
    assert.equal(err.code, 'NOT_ACQUIRING');
    assert.match(err.message, /gige-grab/);
    const status = await shown;
    assert.equal(status.fill, 'red');
  });

  it('shows an absent camera and fails a message with the reason', async () => {
    await helper.load(packageNodes, onTab([{ ...camera(address), source: 'network' }, trigger(), { id: 'triggers', type: 'helper' }]));
    const statuses: string[] = [];
    onCall(helper.getNode('trigger'), 'status', (args) => statuses.push(String((args[0] as { fill?: string }).fill)));
    const failed = nextError('trigger', 15000);
    helper.getNode('trigger').receive({ payload: 1 });
    assert.match((await failed).message, /no answer|not connected|connecting/i);
    assert.ok(!statuses.includes('green'));
  });

  it('a count out of range in the configuration is shown at deploy; a redeploy with a good one works', async () => {
    await helper.load(
      packageNodes,
      onTab([
        camera(address),
        trigger({ count: '5000' }),
        everyFrame,
        { id: 'triggers', type: 'helper' },
        { id: 'frames', type: 'helper' },
      ]),
    );
    await nextStatus('trigger', /invalid settings/);
    await helper.setFlows(
      onTab([camera(address), trigger({ count: '2' }), everyFrame, { id: 'triggers', type: 'helper' }, { id: 'frames', type: 'helper' }]),
      'nodes',
    );
    await nextStatus('trigger', /ready/);
    const triggers = collect('triggers', 2);
    helper.getNode('trigger').receive({ payload: 1 });
    assert.equal((await triggers).length, 2);
  });

  it("the editor's button fires the node (admin endpoint, write permission)", async () => {
    await helper.load(
      packageNodes,
      onTab([camera(address), trigger(), everyFrame, { id: 'triggers', type: 'helper' }, { id: 'frames', type: 'helper' }]),
    );
    await nextStatus('trigger', /ready/);
    const triggers = collect('triggers', 1);
    await helper.request().post('/gige-vision/trigger/trigger').expect(200);
    const [msg] = await triggers;
    assert.equal(msg.payload.trigger, 1);
    await helper.request().post('/gige-vision/trigger/nonexistent').expect(404);
  });
});
