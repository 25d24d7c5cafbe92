/**
 * The scheduled ACTION_CMD end to end on the real camera model: two emulated DMK 38GX541-a on
 * their own loopback addresses, PTP on, TriggerSource = Action0; one broadcast ACTION_CMD with a
 * scheduled time makes each camera take one frame, and both frames carry the same timestamp.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { EmulatedCamera } from '../../lib/emulator/emulated-camera';
import { GvcpDevice } from '../../lib/gvcp/device';
import { sendActionCommand } from '../../lib/gvcp/action';
import { Bootstrap, StreamChannelRegister } from '../../lib/gvcp/protocol';
import { ipToNumber } from '../../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { LOOPBACK_BROADCAST, uniqueLoopbackAddress } from '../support/loopback';

interface Leader {
  blockId: number;
  timestamp: bigint;
  arrivedAt: number;
}

class LeaderCollector {
  readonly leaders: Leader[] = [];
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      if (msg.length >= 8 + 36 && (msg[4] & 0x0f) === 1) {
        this.leaders.push({ blockId: msg.readUInt16BE(2), timestamp: msg.readBigUInt64BE(8 + 4), arrivedAt: Date.now() });
      }
    });
  }
  static async open(): Promise<LeaderCollector> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new LeaderCollector(s);
  }
  get port(): number {
    return this.socket.address().port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

describe('gvcp: one scheduled ACTION_CMD triggers two emulated DMK 38GX541-a at the same time', function () {
  this.timeout(30000);
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('both cameras deliver one frame each, with identical timestamps equal to the action time', async () => {
    const key = 0x5a000000 + (process.pid & 0xffff);
    const rigs: Array<{ camera: EmulatedCamera; device: GvcpDevice; nodes: NodeMap; rx: LeaderCollector }> = [];
    for (let i = 0; i < 2; i += 1) {
      const camera = await EmulatedCamera.start({
        address: uniqueLoopbackAddress(),
        broadcastAddresses: [LOOPBACK_BROADCAST],
        ptpSettlingMs: 50,
      });
      cleanup.push(() => camera.stop());
      const device = await GvcpDevice.connect({ address: camera.address });
      cleanup.push(() => device.close());
      const nodes = NodeMap.fromXml(await loadDeviceXml(device.port, { cacheDir: false }), { device: device.port });
      const rx = await LeaderCollector.open();
      cleanup.push(() => rx.close());
      for (const [name, value] of [
        ['Width', 608],
        ['Height', 8],
        ['PixelFormat', 'Mono8'],
        ['PtpEnable', true],
        ['TriggerMode', 'On'],
        ['TriggerSource', 'Action0'],
        ['AcquisitionMode', 'Continuous'],
        ['ActionDeviceKey', key],
        ['ActionSelector', 0],
        ['ActionGroupKey', 7],
        ['ActionGroupMask', 0x3],
      ] as const) {
        await nodes.setValue(name, value);
      }
      await device.channel.writeRegisters([
        { address: Bootstrap.SC0 + StreamChannelRegister.SCDA, value: ipToNumber('127.0.0.1') },
        { address: Bootstrap.SC0 + StreamChannelRegister.SCP, value: rx.port },
      ]);
      await nodes.execute('AcquisitionStart');
      rigs.push({ camera, device, nodes, rx });
    }
    // PTP settles (Master/Slave) before a scheduled action has a time reference.
    const settled = Date.now() + 3000;
    for (const r of rigs) {
      while (!['Master', 'Slave'].includes(String(await r.nodes.getValue('PtpStatus'))) && Date.now() < settled)
        await new Promise((res) => setTimeout(res, 20));
    }
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(
      rigs.map((r) => r.rx.leaders.length),
      [0, 0],
      'no frame before the action',
    );

    const actionTime = rigs[0].camera.io.now() + 150_000_000n; // 150 ms ahead
    const answers = await sendActionCommand({
      address: LOOPBACK_BROADCAST,
      deviceKey: key,
      groupKey: 7,
      groupMask: 0x1,
      scheduledTime: actionTime,
    });
    const ours = answers.filter((a) => rigs.some((r) => r.camera.address === a.address));
    assert.deepEqual(ours.map((a) => a.statusName).sort(), ['SUCCESS', 'SUCCESS'], JSON.stringify(answers));

    const end = Date.now() + 3000;
    while (rigs.some((r) => r.rx.leaders.length < 1) && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 100));
    const [a, b] = rigs.map((r) => r.rx.leaders);
    assert.equal(a.length, 1, 'camera A: exactly one frame for one action');
    assert.equal(b.length, 1, 'camera B: exactly one frame for one action');
    assert.equal(a[0].timestamp, b[0].timestamp, 'same timestamp on both cameras');
    const offsetNs = a[0].timestamp - actionTime;
    assert.ok(offsetNs >= 0n && offsetNs < 1_000_000n, `frame timestamp ${offsetNs} ns after the action time`);
  });
});
