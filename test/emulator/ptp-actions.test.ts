/**
 * Manual 5.12–5.13 observed through the client: PtpStatus settling and the master election among
 * emulated cameras, the action scheduler (frames at exactly the scheduled PTP times), and GigE
 * Vision ACTION_CMD (immediate and scheduled) triggering Action0.
 */
import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, openClient } from './support/client';
import { sendActionCommand } from '../../lib/gvcp/action';
import { Bootstrap, GvcpCapability, GvcpConfiguration } from '../../lib/gvcp/protocol';
import { epochNanoseconds } from '../../lib/emulator/device/clock';

const MS = 1_000_000n;

async function waitForStatus(client: Client, status: string, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  while ((await client.get('PtpStatus')) !== status) {
    if (Date.now() - start > timeoutMs) throw new Error(`PtpStatus stayed ${await client.get('PtpStatus')}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

describe('emulator: 5.12 PTP', function () {
  this.timeout(20000);

  it("is Uncalibrated for the lock delay after enabling, then Slave of the host's grandmaster; Disabled when off", async () => {
    const client = await openClient({ ptpSettlingMs: 300 });
    try {
      assert.equal(await client.get('PtpEnable'), true);
      await waitForStatus(client, 'Slave');
      await client.set('PtpEnable', false);
      assert.equal(await client.get('PtpStatus'), 'Disabled');
      await client.set('PtpEnable', true);
      assert.equal(await client.get('PtpStatus'), 'Uncalibrated');
      const settled = await waitForStatus(client, 'Slave');
      assert.ok(settled >= 200, `settled after ${settled} ms`);
    } finally {
      await client.close();
    }
  });

  it('the bootstrap IEEE 1588 registers follow PtpEnable/PtpStatus, and enabling PTP there sets PtpEnable', async () => {
    const client = await openClient({ ptpSettlingMs: 150 });
    const channel = client.device.channel;
    const portState = async (): Promise<number> => (await channel.readRegister(Bootstrap.IEEE1588_STATUS)) & 0xf;
    const ptpBit = async (): Promise<boolean> =>
      ((await channel.readRegister(Bootstrap.GVCP_CONFIGURATION)) & GvcpConfiguration.IEEE1588_ENABLE) !== 0;
    const state: Record<string, number> = { Disabled: 3, Master: 6, Uncalibrated: 8, Slave: 9 };
    try {
      assert.ok((await channel.readRegister(Bootstrap.GVCP_CAPABILITY)) & GvcpCapability.IEEE1588, 'the device says it has IEEE 1588');
      assert.equal(await ptpBit(), true, 'PtpEnable is on at power-up');
      assert.equal(await portState(), state[(await client.get('PtpStatus')) as string]);
      await waitForStatus(client, 'Slave');
      assert.equal(await portState(), state.Slave);
      assert.equal(await client.get('GevIEEE1588Status'), 'Slave');

      await client.set('PtpEnable', false);
      assert.equal(await ptpBit(), false);
      assert.equal(await portState(), state.Disabled);
      assert.equal(await client.get('GevIEEE1588'), false);

      // The other way: the standard bit (read-modify-write, as a client does) enables PTP.
      const config = await channel.readRegister(Bootstrap.GVCP_CONFIGURATION);
      await channel.writeRegister(Bootstrap.GVCP_CONFIGURATION, (config | GvcpConfiguration.IEEE1588_ENABLE) >>> 0);
      client.map.invalidate(); // written behind the node map's back
      assert.equal(await client.get('PtpEnable'), true);
      assert.equal(await client.get('PtpStatus'), 'Uncalibrated');
      assert.equal(await portState(), state.Uncalibrated);
      assert.equal(
        (await channel.readRegister(Bootstrap.GVCP_CONFIGURATION)) & ~GvcpConfiguration.IEEE1588_ENABLE,
        config & ~GvcpConfiguration.IEEE1588_ENABLE,
        'the other configuration bits are kept',
      );

      // And through the standard feature, in one node map.
      await client.set('GevIEEE1588', false);
      assert.equal(await client.get('PtpEnable'), false);
      assert.equal(await client.get('PtpStatus'), 'Disabled');
    } finally {
      await client.close();
    }
  });

  it("without a grandmaster (ptpGrandmaster 'cameras') elects the clock with the smallest identity as Master; the others become Slave", async () => {
    const a = await openClient({ ptpSettlingMs: 100, serial: 'PTP-A', ptpGrandmaster: 'cameras' });
    const b = await openClient({ ptpSettlingMs: 100, serial: 'PTP-B', ptpGrandmaster: 'cameras' });
    try {
      const macA = BigInt((await a.get('GevMACAddress')) as number);
      const macB = BigInt((await b.get('GevMACAddress')) as number);
      const [master, slave] = macA < macB ? [a, b] : [b, a];
      await waitForStatus(master, 'Master');
      await waitForStatus(slave, 'Slave');
      await master.set('PtpEnable', false);
      assert.equal(await slave.get('PtpStatus'), 'Uncalibrated', 'losing the master resynchronises');
      await waitForStatus(slave, 'Master');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("emulator: PTP time is the host clock plus each camera's servo error", function () {
  this.timeout(20000);

  it("a camera's clock reads host time + offset + wandering jitter while PTP is on, and converts back exactly", async () => {
    const steady = await openClient({ ptpSettlingMs: 0, ptpOffsetNs: 300 });
    const wandering = await openClient({ ptpSettlingMs: 0, ptpOffsetNs: -300, ptpJitterNs: 50 });
    try {
      const host = epochNanoseconds();
      const a = steady.camera.server.clock;
      const b = wandering.camera.server.clock;
      assert.equal(a.toDevice(host) - host, 300n);
      const errors = [0n, 250_000_000n, 500_000_000n, 1_700_000_000n].map((dt) => b.toDevice(host + dt) - (host + dt));
      for (const e of errors) assert.ok(e >= -350n && e <= -250n, `servo error ${e} ns outside −300 ± 50`);
      assert.ok(new Set(errors).size > 1, `the error wanders: ${errors.join(', ')}`);
      assert.deepEqual(
        [0n, 1_700_000_000n].map((dt) => b.toDevice(host + dt) - (host + dt)),
        [errors[0], errors[3]],
        'repeatable',
      );
      for (const t of [host, host + 123_456_789n])
        assert.ok(b.fromDevice(b.toDevice(t)) - t <= 1n && t - b.fromDevice(b.toDevice(t)) <= 1n);
      // Off: the camera's clock is the host clock itself.
      await wandering.set('PtpEnable', false);
      assert.equal(b.toDevice(host) - host, 0n);
      await assert.rejects(openClient({ ptpOffsetNs: 2e9 }), /PTP offset 2000000000 ns is out of range/);
    } finally {
      await steady.close();
      await wandering.close();
    }
  });
});

describe('emulator: 5.13 action scheduler and action commands', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  before(async () => {
    client = await openClient({ ptpSettlingMs: 50 });
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 50, ExposureTime: 1000 });
    await configure(client, { TriggerMode: 'On', TriggerSource: 'Action0', IMXLowLatencyTriggerMode: true });
    await waitForStatus(client, 'Slave');
    stream = await client.openStream();
    await client.execute('AcquisitionStart');
  });
  after(async () => {
    await client?.execute('AcquisitionStop').catch(() => undefined);
    await client?.close();
  });

  /**
   * Timestamps of the frames exposed at or after `since`, once everything the camera did up to
   * device time `until` has arrived (a frame is read out ~17 ms after its start). Device time, not
   * wall-clock waits: on a busy machine the frames arrive late, never at other times.
   */
  async function framesBetween(since: bigint, until: bigint): Promise<bigint[]> {
    await client.settle(until);
    return stream.frames.filter((f) => f.timestamp >= since).map((f) => f.timestamp);
  }
  const now = (): bigint => client.camera.io.now();

  it('5.13.2 fires at ActionSchedulerTime exactly', async () => {
    const since = await client.deviceTime();
    const at = since + 500n * MS; // well after the commit arrives, however busy the machine
    await configure(client, { ActionSchedulerTime: at, ActionSchedulerInterval: 0 });
    await client.execute('ActionSchedulerCommit');
    assert.deepEqual(await framesBetween(since, at + 40n * MS), [at]);
  });

  it('5.13.3 repeats every ActionSchedulerInterval until ActionSchedulerCancel', async () => {
    const since = await client.deviceTime();
    const at = since + 300n * MS;
    await configure(client, { ActionSchedulerTime: at, ActionSchedulerInterval: 40000 });
    await client.execute('ActionSchedulerCommit');
    await client.settle(at + 130n * MS); // slots at, +40, +80, +120 ms have fired
    await client.execute('ActionSchedulerCancel');
    const cancelled = now();
    const frames = await framesBetween(since, cancelled + 40n * MS);
    assert.ok(frames.length >= 4, `${frames.length} frames`);
    frames.forEach((t, i) => assert.equal(t, at + BigInt(i) * 40n * MS));
    assert.equal((await framesBetween(since, now() + 100n * MS)).length, frames.length, 'cancelled');
  });

  it('5.13.2 a past time fires at once; a repeated past time continues on its grid, skipping missed slots', async () => {
    const since = await client.deviceTime();
    await configure(client, { ActionSchedulerTime: since - 500n * MS, ActionSchedulerInterval: 0 });
    await client.execute('ActionSchedulerCommit');
    const once = await framesBetween(since, now() + 40n * MS);
    assert.equal(once.length, 1);
    const start = since - 1000n * MS;
    await configure(client, { ActionSchedulerTime: start, ActionSchedulerInterval: 35000 });
    const committed = await client.deviceTime();
    await client.execute('ActionSchedulerCommit');
    await client.settle(now() + 120n * MS);
    await client.execute('ActionSchedulerCancel');
    const grid = (await framesBetween(committed, now() + 40n * MS)).filter((t) => t > once[0]);
    assert.ok(grid.length >= 2, `${grid.length} frames on the grid`);
    for (const t of grid) assert.equal((t - start) % (35n * MS), 0n, 'on the grid of the original schedule');
    assert.ok(grid[0] >= committed, 'missed slots are not made up');
  });

  it('5.13.4 a full queue refuses the commit (ActionQueueSize)', async () => {
    const size = Number(await client.get('ActionQueueSize'));
    assert.equal(size, 8);
    const far = (await client.deviceTime()) + 3600n * 1000n * MS;
    await configure(client, { ActionSchedulerTime: far, ActionSchedulerInterval: 0 });
    for (let i = 0; i < size; i += 1) await client.execute('ActionSchedulerCommit');
    await assert.rejects(client.execute('ActionSchedulerCommit'), (err: Error & { status?: number; details?: Record<string, unknown> }) =>
      /OVERFLOW|0x8015/.test(`${err.message} ${JSON.stringify(err.details ?? {})}`),
    );
    await client.execute('ActionSchedulerCancel');
    await client.execute('ActionSchedulerCommit');
    await client.execute('ActionSchedulerCancel');
  });

  it('refuses scheduling without a PTP time reference (NO_REF_TIME)', async () => {
    await client.set('PtpEnable', false);
    try {
      await assert.rejects(client.execute('ActionSchedulerCommit'), (err: Error & { details?: Record<string, unknown> }) =>
        /NO_REF_TIME|0x8013/.test(`${err.message} ${JSON.stringify(err.details ?? {})}`),
      );
    } finally {
      await client.set('PtpEnable', true);
      await waitForStatus(client, 'Slave');
    }
  });

  it('ACTION_CMD with matching keys triggers Action0 at once, or at its scheduled time', async () => {
    await configure(client, { ActionDeviceKey: 0x1234, ActionGroupKey: 7, ActionGroupMask: 0xff });
    const since = await client.deviceTime();
    const wrong = await sendActionCommand({
      address: client.address,
      deviceKey: 0x9999,
      groupKey: 7,
      groupMask: 1,
      localAddress: '127.0.0.1',
      timeoutMs: 50,
    });
    assert.equal(wrong.length, 0, 'a wrong device key is ignored');
    const answers = await sendActionCommand({
      address: client.address,
      deviceKey: 0x1234,
      groupKey: 7,
      groupMask: 1,
      localAddress: '127.0.0.1',
      timeoutMs: 500,
    });
    assert.equal(answers[0]?.status, 0);
    assert.equal((await framesBetween(since, now() + 40n * MS)).length, 1);
    const at = (await client.deviceTime()) + 300n * MS;
    const scheduled = await sendActionCommand({
      address: client.address,
      deviceKey: 0x1234,
      groupKey: 7,
      groupMask: 1,
      scheduledTime: at,
      localAddress: '127.0.0.1',
      timeoutMs: 500,
    });
    assert.equal(scheduled[0]?.status, 0);
    assert.deepEqual(await framesBetween(at, at + 40n * MS), [at]);
  });
});
