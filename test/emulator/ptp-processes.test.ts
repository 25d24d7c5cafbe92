/**
 * One time base across processes: two `gige emulate` processes (each with its own configured PTP
 * servo offset and jitter) follow the host clock as their grandmaster. Their clocks read the host's
 * wall clock plus that offset (checked against Node's own wall-clock reading, bracketing each latch),
 * and one ACTION_CMD scheduled 200 ms ahead makes frames whose timestamps agree within 1 µs.
 * On loopback only (the action goes to 127.255.255.255).
 */
import { strict as assert } from 'node:assert';
import { GvcpDevice } from '../../lib/gvcp/device';
import { sendActionCommand } from '../../lib/gvcp/action';
import { ipToNumber } from '../../lib/gvcp/address';
import { Bootstrap } from '../../lib/gvcp/protocol';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { Frame, Stream, openStream } from '../../lib/stream';
import { LOOPBACK_BROADCAST, uniqueLoopbackAddress } from '../support/loopback';
import { Running, builtCli, killAll, start } from '../support/processes';

const DEVICE_KEY = 0x5150;
const GROUP_KEY = 0x22;
const JITTER_NS = 40;

/** The host's wall clock as Node itself keeps it (µs origin + monotonic), independent of the emulator's. */
function hostNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

interface Station {
  process: Running;
  device: GvcpDevice;
  map: NodeMap;
  stream: Stream;
  frames: Frame[];
  offsetNs: number;
}

describe('emulator: PTP time agrees across processes (host clock as grandmaster)', function () {
  this.timeout(60000);
  const stations: Station[] = [];

  before(async () => {
    for (const offsetNs of [250, -250]) {
      const address = uniqueLoopbackAddress();
      const process = start(global.process.execPath, [
        builtCli(),
        'emulate',
        '--address',
        address,
        '--no-io',
        '--ptp-lock-ms',
        '200',
        `--ptp-offset-ns=${offsetNs}`,
        '--ptp-jitter-ns',
        String(JITTER_NS),
      ]);
      await process.waitFor(/Ctrl-C to stop/);
      const device = await GvcpDevice.connect({ address });
      const map = NodeMap.fromXml(await loadDeviceXml(device.port, { cacheDir: false }), { device: device.port });
      const frames: Frame[] = [];
      const stream = openStream({
        bindAddress: '127.0.0.1',
        deviceAddress: address,
        packetSize: 1500,
        maxPayloadSize: 640 * 480,
        bufferCount: 4,
      });
      stream.on('frame', (f: Frame) => frames.push({ ...f, data: Buffer.alloc(0) }));
      stations.push({ process, device, map, stream, frames, offsetNs });
    }
  });
  after(async () => {
    for (const s of stations) {
      await s.map.execute('AcquisitionStop').catch(() => undefined);
      await s.stream.close();
      await s.device.close();
    }
    killAll();
  });

  it('both are Slave of the host grandmaster once locked', async () => {
    for (const { map } of stations) {
      const deadline = Date.now() + 5000;
      while ((await map.getValue('PtpStatus')) !== 'Slave') {
        assert.ok(Date.now() < deadline, `PtpStatus stayed ${String(await map.getValue('PtpStatus'))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });

  it('each clock reads the host clock plus its configured offset (± jitter), whatever process it runs in', async () => {
    // A latch happens somewhere inside its GVCP round trip: the narrowest of several brackets
    // pins the camera's clock to ± half its width (no timing assumption: a slow round trip only
    // widens the bound). A clock taken from Date.now() (whole ms) misses by up to a millisecond.
    for (const { device, offsetNs } of stations) {
      let best = { width: BigInt(Number.MAX_SAFE_INTEGER), error: 0n };
      for (let i = 0; i < 20; i += 1) {
        const before = hostNow();
        await device.channel.writeRegister(Bootstrap.TIMESTAMP_CONTROL, 0x2); // latch: one WRITEREG round trip
        const after = hostNow();
        const [high, low] = await device.channel.readRegisters([Bootstrap.TIMESTAMP_VALUE_HIGH, Bootstrap.TIMESTAMP_VALUE_LOW]);
        const latched = (BigInt(high) << 32n) | BigInt(low);
        if (after - before < best.width) best = { width: after - before, error: latched - BigInt(offsetNs) - (before + after) / 2n };
      }
      const bound = best.width / 2n + BigInt(JITTER_NS) + 5_000n; // + the µs resolution of Node's wall-clock origin
      process.stdout.write(`      offset ${offsetNs} ns: camera clock − offset − host clock = ${best.error} ns (± ${bound} ns)\n`);
      assert.ok(
        best.error >= -bound && best.error <= bound,
        `the camera's clock is ${best.error} ns from host time + ${offsetNs} ns; allowed ± ${bound}`,
      );
    }
  });

  it('one ACTION_CMD scheduled 200 ms ahead: both frames carry timestamps within 1 µs of each other', async () => {
    for (const s of stations) {
      for (const [name, value] of [
        ['Width', 640],
        ['Height', 480],
        ['PixelFormat', 'Mono8'],
        ['ExposureAuto', 'Off'],
        ['ExposureTime', 1000],
        ['TriggerMode', 'On'],
        ['TriggerSource', 'Action0'],
        ['IMXLowLatencyTriggerMode', true],
        ['ActionDeviceKey', DEVICE_KEY],
        ['ActionSelector', 0],
        ['ActionGroupKey', GROUP_KEY],
        ['ActionGroupMask', 1],
        ['GevSCDA', ipToNumber('127.0.0.1')],
        ['GevSCPSPacketSize', 1500],
        ['GevSCPHostPort', s.stream.port],
      ] as const) {
        await s.map.setValue(name, value);
      }
      await s.map.execute('AcquisitionStart');
    }
    const scheduled = hostNow() + 200_000_000n; // PTP time is the grandmaster's: the host clock
    const answers = await sendActionCommand({
      address: LOOPBACK_BROADCAST,
      deviceKey: DEVICE_KEY,
      groupKey: GROUP_KEY,
      groupMask: 1,
      scheduledTime: scheduled,
    });
    const ours = answers.filter((a) => stations.some((s) => s.device.info.ipAddress === a.address));
    assert.deepEqual(
      ours.map((a) => a.statusName),
      ['SUCCESS', 'SUCCESS'],
      JSON.stringify(answers),
    );
    const deadline = Date.now() + 10000;
    while (stations.some((s) => s.frames.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const [a, b] = stations.map((s) => s.frames[0]?.timestamp);
    assert.ok(a !== undefined && b !== undefined, `frames: ${stations.map((s) => s.frames.length).join(', ')}`);
    const apart = a > b ? a - b : b - a;
    process.stdout.write(`      scheduled ${scheduled}; frame timestamps ${a} and ${b}: ${apart} ns apart\n`);
    assert.ok(apart < 1000n, `frame timestamps ${a} and ${b} are ${apart} ns apart`);
    assert.ok(a >= scheduled && a - scheduled < 1000n, `exposure started at ${a}, ${a - scheduled} ns after the scheduled ${scheduled}`);
  });
});
