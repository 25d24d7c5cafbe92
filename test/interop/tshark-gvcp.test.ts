/**
 * An independent judge of our wire format: capture our client talking to our emulated camera on
 * `lo` (capture filter: the camera's address and the loopback discovery broadcast), then dissect
 * with Wireshark's GVCP/GVSP dissectors (`tshark -d udp.port==…,gvsp`) and require that nothing is
 * malformed and nothing is flagged as an error — across discovery, control (registers, memory,
 * privilege), events, actions, packet resend, the test packet and the stream.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { GvcpServer } from '../../lib/emulator/gvcp-server';
import { Dmk38gx541 } from '../../lib/emulator/dmk38gx541/camera-model';
import { GvcpDevice } from '../../lib/gvcp/device';
import { discover } from '../../lib/gvcp/discovery';
import { MessageChannel } from '../../lib/gvcp/message-channel';
import { sendActionCommand } from '../../lib/gvcp/action';
import { Bootstrap, Command, Scps, StreamChannelRegister } from '../../lib/gvcp/protocol';
import { encodeCommand, encodePacketResendCommand } from '../../lib/gvcp/codec';
import { ipToNumber } from '../../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { LOOPBACK_BROADCAST, uniqueLoopbackAddress } from '../support/loopback';
import { skipWithout } from './support/netns';
import { LoopbackCapture } from './support/capture';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('interop: tshark dissects our GVCP/GVSP without malformed packets', function () {
  this.timeout(60000);
  let tmp: string;

  before(function () {
    skipWithout(this, { root: true, commands: ['tshark'] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-tshark-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('discovery, control, events, actions, resend, test packet and stream all dissect cleanly', async () => {
    const address = uniqueLoopbackAddress();
    const file = path.join(tmp, 'capture.pcapng');
    const filter = `udp and (host ${address} or (dst host 127.255.255.255 and dst port 3956))`;
    const capture = await LoopbackCapture.start(filter, file, address);

    // The camera model behind our server, as EmulatedCamera composes them (wire-shaped by default:
    // no segmentation offload, so the capture sees each datagram as sent).
    const model = new Dmk38gx541({ address });
    const server = await GvcpServer.start({ address, model, broadcastAddresses: [LOOPBACK_BROADCAST] });
    const camera = {
      io: { now: () => model.now() },
      stop: async () => {
        await model.close();
        await server.close();
      },
    };
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    let gvspPackets = 0;
    rx.on('message', () => {
      gvspPackets += 1;
    });
    let device: GvcpDevice | null = null;
    let events: MessageChannel | null = null;
    let mcPort = 0;
    const rxPort = rx.address().port;
    try {
      const found = await discover({ broadcast: LOOPBACK_BROADCAST, timeoutMs: 300 });
      assert.ok(found.some((f) => f.ipAddress === address));
      await discover({ address, timeoutMs: 100, expected: 1 });

      device = await GvcpDevice.connect({ address });
      const nodes = NodeMap.fromXml(await loadDeviceXml(device.port, { cacheDir: false }), { device: device.port });
      for (const [name, value] of [
        ['Width', 608],
        ['Height', 16],
        ['PixelFormat', 'Mono8'],
        ['EventSelector', 'ExposureEnd'],
        ['EventNotification', 'On'],
      ] as const) {
        await nodes.setValue(name, value);
      }
      events = await MessageChannel.open(device.channel);
      mcPort = events.localPort;
      let eventCount = 0;
      events.on('event', () => {
        eventCount += 1;
      });
      await device.channel.writeRegisters([
        { address: Bootstrap.SC0 + StreamChannelRegister.SCDA, value: ipToNumber('127.0.0.1') },
        { address: Bootstrap.SC0 + StreamChannelRegister.SCPS, value: 1500 },
        { address: Bootstrap.SC0 + StreamChannelRegister.SCP, value: rxPort },
      ]);
      await nodes.execute('AcquisitionStart');
      const until = Date.now() + 5000;
      while ((eventCount < 2 || gvspPackets < 30) && Date.now() < until) await sleep(20);
      await nodes.execute('AcquisitionStop');
      assert.ok(eventCount >= 2, `events ${eventCount}`);

      // Packet resend (from its own socket: a command from the stream port would be decoded as
      // GVSP by the decode-as rule below) and a test packet.
      const { flags, payload } = encodePacketResendCommand({
        streamChannel: 0,
        blockId: 1n,
        firstPacketId: 1,
        lastPacketId: 2,
        extendedIds: false,
      });
      const resender = dgram.createSocket('udp4');
      await new Promise<void>((r) => resender.bind(0, '127.0.0.1', () => r()));
      resender.send(encodeCommand({ command: Command.PACKETRESEND, flags, requestId: 1, payload }), 3956, address, () => resender.close());
      await device.channel.writeRegister(Bootstrap.SC0 + StreamChannelRegister.SCPS, (Scps.FIRE_TEST_PACKET | 1500) >>> 0);

      // Actions: immediate (triggers a frame) and scheduled (PTP is off: NO_REF_TIME answer).
      for (const [name, value] of [
        ['TriggerMode', 'On'],
        ['TriggerSource', 'Action0'],
        ['ActionDeviceKey', 0x1234],
        ['ActionSelector', 0],
        ['ActionGroupKey', 1],
        ['ActionGroupMask', 1],
      ] as const) {
        await nodes.setValue(name, value);
      }
      await nodes.execute('AcquisitionStart');
      const immediate = await sendActionCommand({ address: LOOPBACK_BROADCAST, deviceKey: 0x1234, groupKey: 1, groupMask: 1 });
      assert.ok(immediate.some((a) => a.address === address && a.status === 0));
      const scheduled = await sendActionCommand({
        address,
        deviceKey: 0x1234,
        groupKey: 1,
        groupMask: 1,
        scheduledTime: camera.io.now() + 10_000_000n,
      });
      assert.equal(scheduled[0]?.statusName, 'NO_REF_TIME');
      await sleep(300);
      await nodes.execute('AcquisitionStop');
      await device.channel.readMemory(Bootstrap.FIRST_URL, 512);
    } finally {
      await events?.close();
      await device?.close();
      rx.close();
      await camera.stop();
      await capture.stop();
    }

    const decode = ['-d', `udp.port==${rxPort},gvsp`, '-d', `udp.port==${mcPort},gvcp`];
    const fields = spawnSync('tshark', ['-r', file, ...decode, '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    assert.equal(fields.status, 0, fields.stderr);
    const rows = fields.stdout.trim().split('\n');
    const count = (re: RegExp): number => rows.filter((r) => re.test(r)).length;
    const summary = `${rows.length} packets; e.g.\n${rows.filter((_, i) => i % Math.ceil(rows.length / 25) === 0).join('\n')}`;
    assert.ok(count(/^GVCP/) > 50, summary);
    assert.ok(count(/^GVSP/) > 30, summary);
    for (const kind of [
      /DISCOVERY_ACK/,
      /READREG_CMD/,
      /WRITEREG_ACK/,
      /READMEM_ACK/,
      /EVENTDATA_CMD|EVENT_CMD/,
      /EVENTDATA_ACK|EVENT_ACK/,
      /ACTION_CMD/,
      /ACTION_ACK/,
      /PACKETRESEND_CMD/,
    ]) {
      assert.ok(count(kind) > 0, `no ${kind} in the capture:\n${summary}`);
    }
    assert.ok(count(/^GVSP.*(LEADER|Leader)/i) >= 3 && count(/^GVSP.*(TRAILER|Trailer)/i) >= 3, summary);

    const bad = spawnSync(
      'tshark',
      [
        '-r',
        file,
        ...decode,
        '-Y',
        '_ws.malformed || _ws.expert.severity >= "error"',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        '_ws.col.Info',
        '-e',
        '_ws.expert.message',
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    assert.equal(bad.status, 0, bad.stderr);
    assert.equal(bad.stdout.trim(), '', `malformed or error packets:\n${bad.stdout}`);
  });

  it('the judge can fail: a lying DISCOVERY_ACK and a truncated READREG_CMD are flagged', async () => {
    const file = path.join(tmp, 'bad.pcapng');
    const target = uniqueLoopbackAddress();
    const capture = await LoopbackCapture.start(`udp and host ${target}`, file, target);
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    for (const hex of ['0000000300f8ffff', '42010080000800010000']) {
      await new Promise<void>((r) => s.send(Buffer.from(hex, 'hex'), 3956, target, () => r()));
    }
    s.close();
    await capture.stop();
    const bad = spawnSync(
      'tshark',
      ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= "error"', '-T', 'fields', '-e', '_ws.col.Info'],
      { encoding: 'utf8' },
    );
    assert.equal(bad.status, 0, bad.stderr);
    const all = spawnSync('tshark', ['-r', file, '-n'], { encoding: 'utf8' }).stdout;
    assert.equal(
      bad.stdout
        .trim()
        .split('\n')
        .filter((l) => /Malformed/.test(l)).length,
      2,
      `flagged:\n${bad.stdout}\ncaptured:\n${all}`,
    );
  });
});
