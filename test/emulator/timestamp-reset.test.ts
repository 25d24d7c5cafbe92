/**
 * GevTimestampControlReset (bootstrap 0x0944 bit 0x1) while the camera works, observed through the
 * client: the device clock restarts at 0 but the camera keeps exposing — free running, on software
 * and TRIGGER_IN triggers, and on scheduled actions — and every timestamp it hands out (leader,
 * ExposureEnd event, STROBE_OUT record) is in the new time base. While PTP is enabled, PTP owns the
 * clock: the reset is ignored (and GenICam shows the command locked), and enabling PTP after a
 * reset brings the clock back to the domain's time.
 */
import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, openClient } from './support/client';
import { sendActionCommand } from '../../lib/gvcp/action';
import { Bootstrap } from '../../lib/gvcp/protocol';
import { Frame } from '../../lib/stream';
import { EventId } from '../../lib/emulator/dmk38gx541/features-sync';

const MS = 1_000_000n;
const SECOND = 1000n * MS;
/** Timestamps below this are in a time base that restarted (the shared clock counts from 1970). */
const RESTARTED = 3600n * SECOND;
const TIMESTAMP_RESET = 0x1;
const TIMESTAMP_LATCH = 0x2;

async function waitForStatus(client: Client, status: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await client.get('PtpStatus')) !== status) {
    if (Date.now() > deadline) throw new Error(`PtpStatus stayed ${await client.get('PtpStatus')}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until `count` received frames satisfy `which`; resolves with them (oldest first). */
async function framesWhere(stream: StreamHandle, which: (f: Frame) => boolean, count: number, timeoutMs = 3000): Promise<Frame[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = stream.frames.filter(which);
    if (got.length >= count) return got;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms: ${got.length} of ${count} frames (latest timestamps ${stream.frames
          .slice(-3)
          .map((f) => f.timestamp)
          .join(', ')})`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
}

const restarted = (f: Frame): boolean => f.timestamp < RESTARTED;

describe('emulator: timestamp reset while acquiring', function () {
  this.timeout(20000);
  let client: Client;

  afterEach(async () => {
    await client?.execute('AcquisitionStop').catch(() => undefined);
    await client?.close();
  });

  async function resetClock(): Promise<bigint> {
    await client.execute('GevTimestampControlReset');
    const now = await client.deviceTime();
    assert.ok(now < SECOND, `the clock restarted near 0 (reads ${now} ns)`);
    return now;
  }

  it('free running: frames keep coming at the frame rate, timestamps and ExposureEnd events restart near 0', async () => {
    client = await openClient({ ptpSettlingMs: 50 });
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 30, PtpEnable: false });
    await configure(client, { EventSelector: 'ExposureEnd', EventNotification: 'On' });
    const stream = await client.openStream();
    const events = await client.openEvents();
    await client.execute('AcquisitionStart');
    await stream.next(2);
    const reset = await resetClock();

    const after = await framesWhere(stream, restarted, 8);
    assert.ok(after[0].timestamp < reset + 100n * MS, `first frame after the reset exposed at ${after[0].timestamp} ns`);
    const periodNs = 33_333_333n; // 1 s / 30, in whole ns
    for (let i = 1; i < after.length; i += 1) {
      const frames = after[i].blockId - after[i - 1].blockId;
      assert.equal(after[i].timestamp - after[i - 1].timestamp, periodNs * frames, `frame ${after[i].blockId} keeps the free-running grid`);
    }
    // ExposureEnd = start of exposure + 10 ms, in the same (new) time base as the frame.
    const last = after[after.length - 1];
    const end = await events.waitFor((e) => e.eventId === EventId.ExposureEnd && e.blockId === last.blockId);
    assert.equal(end.timestamp, last.timestamp + 10n * MS);
  });

  it('triggered: software and TRIGGER_IN triggers are taken after a reset; the STROBE_OUT record follows the new time base', async () => {
    client = await openClient({ ptpSettlingMs: 50 });
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 30, PtpEnable: false });
    await configure(client, { TriggerMode: 'On', TriggerSource: 'Software', IMXLowLatencyTriggerMode: true, StrobeEnable: 'On' });
    const stream = await client.openStream();
    await client.execute('AcquisitionStart');
    await client.execute('TriggerSoftware');
    await stream.next(1);
    // Let that frame's readout end, so the sensor is ready again in any time base.
    await new Promise((r) => setTimeout(r, 60));
    const reset = await resetClock();

    await client.execute('TriggerSoftware');
    const triggeredBy = await client.deviceTime();
    const [software] = await framesWhere(stream, restarted, 1);
    assert.ok(
      software.timestamp >= reset && software.timestamp <= triggeredBy,
      `exposure started while TriggerSoftware ran (${reset} … ${triggeredBy}), not at ${software.timestamp}`,
    );

    await new Promise((r) => setTimeout(r, 60));
    await configure(client, { TriggerSource: 'Line1', IMXLowLatencyTriggerMode: false });
    const pulse = client.camera.io.pulseTriggerInput({ widthUs: 100, delayUs: 2000 });
    assert.ok(pulse.start < RESTARTED, 'TRIGGER_IN edges are reported in the new time base');
    const [, line] = await framesWhere(stream, restarted, 2);
    assert.ok(
      line.timestamp - pulse.start >= 0n && line.timestamp - pulse.start < 28_000n,
      `exposure starts on the line clock after the edge (${line.timestamp - pulse.start} ns)`,
    );
    const strobe = client.camera.io.strobeRecord(pulse.start).map((e) => e.time);
    assert.deepEqual(
      strobe.filter((t) => t >= line.timestamp),
      [line.timestamp, line.timestamp + 10n * MS],
      'strobe pulse = the exposure, in device time',
    );
  });
});

describe('emulator: timestamp reset and PTP', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;

  beforeEach(async () => {
    client = await openClient({ ptpSettlingMs: 50 });
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, AcquisitionFrameRate: 50, ExposureTime: 1000 });
    await configure(client, {
      TriggerMode: 'On',
      TriggerSource: 'Action0',
      IMXLowLatencyTriggerMode: true,
      ActionDeviceKey: 0x1234,
      ActionGroupKey: 7,
      ActionGroupMask: 0xff,
    });
    await waitForStatus(client, 'Slave');
    stream = await client.openStream();
    await client.execute('AcquisitionStart');
  });
  afterEach(async () => {
    await client?.execute('AcquisitionStop').catch(() => undefined);
    await client?.close();
  });

  /**
   * Schedules Action0 through ActionSchedulerCommit and through a scheduled ACTION_CMD; both must
   * expose at exactly their time. The lead leaves room for a loaded machine's round trips: a time
   * already past when the commit arrives would fire at once instead.
   */
  async function scheduledActionsFireOnTime(): Promise<void> {
    const commitAt = (await client.deviceTime()) + 200n * MS;
    await configure(client, { ActionSchedulerTime: commitAt, ActionSchedulerInterval: 0 });
    await client.execute('ActionSchedulerCommit');
    assert.deepEqual(
      (await framesWhere(stream, (f) => f.timestamp >= commitAt, 1)).map((f) => f.timestamp),
      [commitAt],
      'ActionSchedulerCommit',
    );
    const commandAt = (await client.deviceTime()) + 200n * MS;
    const answers = await sendActionCommand({
      address: client.address,
      deviceKey: 0x1234,
      groupKey: 7,
      groupMask: 1,
      scheduledTime: commandAt,
      localAddress: '127.0.0.1',
      timeoutMs: 200,
    });
    assert.equal(answers[0]?.status, 0, 'scheduled ACTION_CMD accepted');
    assert.deepEqual(
      (await framesWhere(stream, (f) => f.timestamp >= commandAt, 1)).map((f) => f.timestamp),
      [commandAt],
      'scheduled ACTION_CMD',
    );
  }

  it('with PtpEnable on the reset is ignored: the clock keeps PTP time, GenICam shows the command locked, actions stay on time', async () => {
    await scheduledActionsFireOnTime();
    const before = await client.deviceTime();
    // A client that ignores the lock writes the register: reset and latch in one write.
    await client.device.channel.writeRegister(Bootstrap.TIMESTAMP_CONTROL, TIMESTAMP_RESET | TIMESTAMP_LATCH);
    const latched = BigInt((await client.get('TimestampLatchValue')) as number | bigint);
    assert.ok(latched > before, `the clock did not restart (latched ${latched} ns, ${before} ns before)`);
    await assert.rejects(
      client.execute('GevTimestampControlReset'),
      (err: Error & { code?: string }) => err.code === 'FEATURE_LOCKED' && /PtpEnable/.test(err.message),
    );
    assert.equal(client.camera.stats().device.timestampResetsIgnored, 1);
    await scheduledActionsFireOnTime();
  });

  it('with PtpEnable off the reset applies; enabling PTP again brings back the domain time, and actions fire on time', async () => {
    await scheduledActionsFireOnTime();
    const wallBefore = process.hrtime.bigint(); // taken first: the latch below happens after it
    const before = await client.deviceTime();
    await client.set('PtpEnable', false);
    await client.execute('GevTimestampControlReset');
    assert.ok((await client.deviceTime()) < SECOND, 'the clock restarted near 0');
    // Immediate actions need no time reference; the frame carries the new time base.
    const answers = await sendActionCommand({
      address: client.address,
      deviceKey: 0x1234,
      groupKey: 7,
      groupMask: 1,
      localAddress: '127.0.0.1',
      timeoutMs: 200,
    });
    assert.equal(answers[0]?.status, 0);
    await framesWhere(stream, restarted, 1);

    await client.set('PtpEnable', true);
    const resumed = await client.deviceTime();
    const elapsed = process.hrtime.bigint() - wallBefore;
    assert.ok(
      resumed > before && resumed - before <= elapsed,
      `PTP time again: ${resumed - before} ns after the last PTP reading, ${elapsed} ns elapsed`,
    );
    await waitForStatus(client, 'Slave');
    await scheduledActionsFireOnTime();
  });

  it('a user set that turns PTP on brings back the domain time too', async () => {
    await client.execute('AcquisitionStop');
    await configure(client, { UserSetSelector: 'UserSet1' });
    await client.execute('UserSetSave'); // PtpEnable is on
    const before = await client.deviceTime();
    await client.set('PtpEnable', false);
    await client.execute('GevTimestampControlReset');
    assert.ok((await client.deviceTime()) < SECOND, 'the clock restarted near 0');
    await client.execute('UserSetLoad');
    assert.equal(await client.get('PtpEnable'), true);
    assert.ok((await client.deviceTime()) > before, 'PTP time again');
  });
});
