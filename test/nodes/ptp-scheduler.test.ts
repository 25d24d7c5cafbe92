import * as assert from 'node:assert/strict';
import { helper, packageNodes, configCamera, collect, nextStatus, nextError, onCall, onTab, FlowNode } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

// Low-latency trigger mode: exposure starts exactly at the action's time (manual 5.4.7), so frame
// timestamps can be compared with the schedule to the nanosecond.
const SMALL = 'Width=1024\nHeight=64\nIMXLowLatencyTriggerMode=true';
const MS = 1_000_000n;

function camera(address: string): FlowNode {
  return { id: 'cam', type: 'gige-camera-config', source: 'emulated', address, serial: 'PTPTEST1', frameTimeout: '3000', settings: SMALL };
}
function scheduler(props: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'ptp',
    type: 'gige-ptp-scheduler',
    camera: 'cam',
    ptp: 'on',
    timeMode: 'delay',
    delay: '300',
    time: '',
    interval: '0',
    commitOnDeploy: false,
    switchMode: true,
    wires: [['states'], ['results']],
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
const helpers: FlowNode[] = [
  { id: 'states', type: 'helper' },
  { id: 'results', type: 'helper' },
  { id: 'frames', type: 'helper' },
];

async function held(names: string[]): Promise<Record<string, unknown>> {
  return configCamera('cam').use(async (c) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await c.get(n)]))));
}

/** Messages a helper node receives from now on. */
function recorder(nodeId: string): Array<Record<string, any>> {
  const seen: Array<Record<string, any>> = [];
  helper.getNode(nodeId).on('input', (msg: Record<string, any>) => seen.push(msg));
  return seen;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("nodes: gige-ptp-scheduler — PTP state and the camera's action scheduler", function () {
  this.timeout(40000);
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('sends one message per PTP state change, with `locked`; disable and enable by message', async () => {
    await helper.load(packageNodes, onTab([camera(address), scheduler(), ...helpers]));
    const shown: Array<Record<string, any>> = [];
    onCall(helper.getNode('ptp'), 'status', (args) => shown.push(args[0] as Record<string, any>));
    const states = recorder('states');
    await until(() => states.some((m) => m.payload.locked), 'a locked state');
    assert.deepEqual(
      states.map((m) => [m.payload.status, m.payload.previous, m.payload.locked]),
      [
        ['Uncalibrated', null, false],
        ['Slave', 'Uncalibrated', true],
      ],
    );
    assert.equal(states[0].payload.source, 'GevIEEE1588Status');
    assert.equal(states[1].topic, 'ptp');
    assert.equal(states[1].payload.camera, address);
    await until(() => shown.some((st) => st.text === 'PTP Slave'), 'the status');
    assert.equal(shown.find((st) => st.text === 'PTP Slave')?.fill, 'green');
    assert.equal(shown.find((st) => st.text === 'PTP Uncalibrated')?.fill, 'yellow', 'not green before it is locked');

    helper.getNode('ptp').receive({ action: 'disable' });
    await until(() => states.length === 3, 'Disabled');
    assert.deepEqual([states[2].payload.status, states[2].payload.locked], ['Disabled', false]);
    assert.equal((await held(['PtpEnable'])).PtpEnable, false);
    const asked = collect('states', 1);
    helper.getNode('ptp').receive({ action: 'status', topic: 'ask' });
    const [answer] = await asked;
    assert.deepEqual([answer.topic, answer.payload.status, answer.payload.locked], ['ask', 'Disabled', false]);
    helper.getNode('ptp').receive({ action: 'enable' });
    await until(() => states.filter((m) => m.payload.status === 'Slave').length === 2, 'locked again', 15000);
  });

  it('schedules repeating frame triggers at exact PTP times, and cancels them', async () => {
    await helper.load(packageNodes, onTab([camera(address), scheduler(), everyFrame, ...helpers]));
    const states = recorder('states');
    await until(() => states.some((m) => m.payload.locked), 'a locked state');
    const frames = recorder('frames');
    const result = collect('results', 1);
    helper.getNode('ptp').receive({ delay: 400, interval: 200000, topic: 'plan' });
    const [committed] = await result;
    assert.equal(committed.topic, 'plan');
    assert.equal(committed.payload.action, 'commit');
    assert.equal(committed.payload.interval, 200000);
    assert.equal(committed.payload.acquiring, true);
    assert.deepEqual(
      await held(['TriggerMode', 'TriggerSource']),
      { TriggerMode: 'On', TriggerSource: 'Any' },
      'Any accepts actions: only the mode is switched',
    );
    const first = BigInt(committed.payload.time);
    await until(() => frames.filter((f) => BigInt(f.image.timestamp) >= first).length >= 3, 'three scheduled frames');
    const scheduled = frames
      .filter((f) => BigInt(f.image.timestamp) >= first)
      .slice(0, 3)
      .map((f) => BigInt(f.image.timestamp) - first);
    assert.deepEqual(scheduled, [0n, 200n * MS, 400n * MS], 'each frame exposed at its scheduled PTP time');

    const cancelled = collect('results', 1);
    helper.getNode('ptp').receive({ action: 'cancel' });
    assert.equal((await cancelled)[0].payload.action, 'cancel');
    await new Promise((r) => setTimeout(r, 300));
    const count = frames.length;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(frames.length, count, 'no frames after cancel');
  });

  it('refuses to schedule before the clock is locked, and bad times, intervals and actions', async () => {
    await helper.load(packageNodes, onTab([camera(address), scheduler(), ...helpers]));
    const states = recorder('states');
    await until(() => states.length > 0, 'a first state');
    assert.equal(states[0].payload.locked, false);
    const early = nextError('ptp');
    helper.getNode('ptp').receive({});
    const notLocked = await early;
    assert.equal(notLocked.code, 'PTP_NOT_LOCKED');
    assert.match(notLocked.message, /Uncalibrated/);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ action: 'explode' }, 'UNKNOWN_NAME', /msg\.action "explode" is not allowed; allowed: commit, cancel, status, enable, disable/],
      [{ action: 7 }, 'WRONG_TYPE', /msg\.action 7 is not allowed/],
      [{ time: 'soon' }, 'OUT_OF_RANGE', /msg\.time "soon" is not a PTP time/],
      [{ time: '99999999999999999999' }, 'OUT_OF_RANGE', /not a PTP time/],
      [{ time: -5 }, 'OUT_OF_RANGE', /not a PTP time/],
      [{ delay: 86400001 }, 'OUT_OF_RANGE', /msg\.delay 86400001 is out of range; allowed 0 … 86400000 ms/],
      [{ interval: 4294967296 }, 'OUT_OF_RANGE', /allowed 0 … 4294967295 µs/],
      [{ interval: 'often' }, 'WRONG_TYPE', /msg\.interval "often" is not a number/],
      [{ time: '1', delay: 5 }, 'INVALID_VALUE', /either msg\.time .* or msg\.delay/],
    ];
    for (const [props, code, pattern] of cases) {
      const failed = nextError('ptp');
      helper.getNode('ptp').receive({ payload: 1, ...props });
      const err = await failed;
      assert.equal(err.code, code, err.message);
      assert.match(err.message, pattern);
    }
  });

  it('says when the action queue is full (ActionQueueSize)', async () => {
    await helper.load(packageNodes, onTab([camera(address), scheduler(), everyFrame, ...helpers]));
    const states = recorder('states');
    await until(() => states.some((m) => m.payload.locked), 'a locked state');
    const results = recorder('results');
    for (let i = 0; i < 8; i++) helper.getNode('ptp').receive({ delay: 60000 + i });
    await until(() => results.length === 8, 'eight committed');
    const failed = nextError('ptp');
    helper.getNode('ptp').receive({ delay: 70000 });
    const err = await failed;
    assert.equal(err.code, 'SCHEDULE_FULL');
    assert.match(err.message, /ActionQueueSize 8/);
    helper.getNode('ptp').receive({ action: 'cancel' });
    await until(() => results.length === 9, 'cancelled');
  });

  it('commits on deploy once locked, and keeps a repeating schedule (same phase) across a reconnect', async () => {
    await helper.load(
      packageNodes,
      onTab([camera(address), scheduler({ commitOnDeploy: true, delay: '200', interval: '100000' }), everyFrame, ...helpers]),
    );
    const results = recorder('results');
    const frames = recorder('frames');
    await until(() => results.length === 1, 'the deploy commit', 15000);
    const first = BigInt(results[0].payload.time);
    await configCamera('cam').use(async (c) => c.device.channel.writeRegister(0x0a00, 0)); // control lost: the node reconnects
    await until(() => results.length === 2, 'the schedule committed again', 20000);
    const since = frames.length;
    await until(() => frames.length >= since + 3, 'frames after the reconnect', 10000);
    for (const f of frames.slice(since)) {
      assert.equal((BigInt(f.image.timestamp) - first) % (100n * MS), 0n, `frame at ${f.image.timestamp} keeps the schedule's phase`);
    }
  });

  it('shows an absent camera, never green', async () => {
    await helper.load(packageNodes, onTab([{ ...camera(address), source: 'network' }, scheduler(), ...helpers]));
    const fills: string[] = [];
    onCall(helper.getNode('ptp'), 'status', (args) => fills.push(String((args[0] as { fill?: string }).fill)));
    const failed = nextError('ptp', 15000);
    helper.getNode('ptp').receive({ action: 'status' });
    assert.match((await failed).message, /no answer|not connected|connecting/i);
    assert.ok(!fills.includes('green'));
  });

  it('a bad configuration is shown at deploy; a redeploy fixes it', async () => {
    await helper.load(packageNodes, onTab([camera(address), scheduler({ timeMode: 'absolute', time: 'tomorrow' }), ...helpers]));
    await nextStatus('ptp', /invalid settings/);
    await helper.setFlows(onTab([camera(address), scheduler({ timeMode: 'absolute', time: '1000' }), ...helpers]), 'nodes');
    await nextStatus('ptp', /PTP/);
  });
});
