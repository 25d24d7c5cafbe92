import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { GvcpDevice } from '../../lib/gvcp/device';
import { Bootstrap, Command, Scps, StreamChannelRegister } from '../../lib/gvcp/protocol';
import { encodeCommand, encodePacketResendCommand } from '../../lib/gvcp/codec';
import { ipToNumber } from '../../lib/gvcp/address';
import { StreamChannel, BlockSender } from '../../lib/emulator/device/stream-channel';
import type { OutgoingBlock } from '../../lib/emulator/device-model';
import { startTestDevice, TestDevice } from './support/harness';

const SC = Bootstrap.SC0;
const MONO8 = 0x01080001;

function block(data: Buffer, width = 100): OutgoingBlock {
  return {
    timestamp: 123456789n,
    pixelFormat: MONO8,
    width,
    height: data.length / width,
    offsetX: 0,
    offsetY: 0,
    paddingX: 0,
    paddingY: 0,
    data,
  };
}

class Receiver {
  readonly packets: Array<{ msg: Buffer; port: number }> = [];
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => this.packets.push({ msg, port: rinfo.port }));
  }
  static async open(): Promise<Receiver> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new Receiver(s);
  }
  get port(): number {
    return this.socket.address().port;
  }
  async waitFor(n: number, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (this.packets.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

describe('gvcp: emulated stream channel 0 through the native GVSP sender', function () {
  let dev: TestDevice;
  let d: GvcpDevice;
  let rx: Receiver;

  beforeEach(async () => {
    dev = await startTestDevice({ heartbeatTimeoutMs: 500 });
    d = await GvcpDevice.connect({ address: dev.address });
    rx = await Receiver.open();
  });
  afterEach(async () => {
    await d.close();
    await rx.close();
    await dev.stop();
  });

  async function openChannel(packetSize = 576): Promise<void> {
    await d.channel.writeRegisters([
      { address: SC + StreamChannelRegister.SCDA, value: ipToNumber('127.0.0.1') },
      { address: SC + StreamChannelRegister.SCPS, value: packetSize },
      { address: SC + StreamChannelRegister.SCP, value: rx.port },
    ]);
  }

  it('opens on SCP, tells the model, streams blocks with ids from 1, and reports SCSP', async () => {
    await openChannel(576);
    const config = dev.model.streamConfigs.at(-1);
    assert.deepEqual(config, {
      destinationAddress: '127.0.0.1',
      destinationPort: rx.port,
      packetSize: 576,
      packetDelayTicks: 0,
      doNotFragment: false,
      extendedIds: false,
    });
    const data = Buffer.from(Array.from({ length: 2000 }, (_, i) => i & 0xff));
    const services = dev.model.services!;
    assert.equal(await services.sendBlock(block(data)), 1n);
    assert.equal(await services.sendBlock(block(data)), 2n);
    const perBlock = 2 + Math.ceil(2000 / (576 - 36));
    await rx.waitFor(2 * perBlock);
    assert.equal(rx.packets.length, 2 * perBlock);
    const scsp = await d.channel.readRegister(SC + StreamChannelRegister.SCSP);
    assert.ok(
      rx.packets.every((p) => p.port === scsp),
      'packets come from SCSP',
    );
    const leader = rx.packets[0].msg;
    assert.equal(leader.readUInt16BE(2), 1, 'block id 1');
    assert.equal(leader[4] & 0x0f, 1, 'leader format');
    assert.equal(leader.readUInt32BE(8 + 12), MONO8);
    const payload = Buffer.concat(rx.packets.slice(1, perBlock - 1).map((p) => p.msg.subarray(8)));
    assert.deepEqual(payload, data);
    assert.equal(rx.packets[perBlock].msg.readUInt16BE(2), 2, 'second block id 2');
  });

  it('forwards PACKETRESEND to the sender, which re-emits the packets', async () => {
    await openChannel(576);
    const data = Buffer.alloc(3000, 7);
    await dev.model.services!.sendBlock(block(data));
    await rx.waitFor(2 + 6);
    const before = rx.packets.length;
    const { flags, payload } = encodePacketResendCommand({
      streamChannel: 0,
      blockId: 1n,
      firstPacketId: 2,
      lastPacketId: 3,
      extendedIds: false,
    });
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.send(encodeCommand({ command: Command.PACKETRESEND, flags, requestId: 9, payload }), 3956, dev.address);
    await rx.waitFor(before + 2);
    sock.close();
    const resent = rx.packets.slice(before).map((p) => p.msg.readUIntBE(5, 3));
    assert.deepEqual(resent, [2, 3]);
    assert.equal(dev.server.stats().resendRequests, 1);
  });

  it('fires one test packet of exactly SCPS bytes (IP datagram) when bit 0x80000000 is written', async () => {
    await openChannel(576);
    await d.channel.writeRegister(SC + StreamChannelRegister.SCPS, (Scps.FIRE_TEST_PACKET | Scps.DO_NOT_FRAGMENT | 1400) >>> 0);
    await rx.waitFor(1);
    assert.equal(rx.packets.length, 1);
    assert.equal(rx.packets[0].msg.length, 1400 - 28);
    assert.equal(rx.packets[0].msg.readUInt16BE(2), 0, 'test packet block id 0');
    assert.equal(
      await d.channel.readRegister(SC + StreamChannelRegister.SCPS),
      (Scps.DO_NOT_FRAGMENT | 1400) >>> 0,
      'fire bit self-clears',
    );
  });

  it('refuses packet sizes outside 576…9000 and non-loopback destinations', async () => {
    await assert.rejects(d.channel.writeRegister(SC + StreamChannelRegister.SCPS, 100), /INVALID_PARAMETER/);
    await assert.rejects(d.channel.writeRegister(SC + StreamChannelRegister.SCPS, 9004), /INVALID_PARAMETER/);
    await assert.rejects(d.channel.writeRegister(SC + StreamChannelRegister.SCDA, ipToNumber('192.0.2.1')), /INVALID_PARAMETER/);
    await d.channel.writeRegister(SC + StreamChannelRegister.SCPS, 1502);
    assert.equal(await d.channel.readRegister(SC + StreamChannelRegister.SCPS), 1500, 'rounded to the increment of 4');
  });

  it('heartbeat expiry closes the stream channel: the model is told and sendBlock refuses', async () => {
    await openChannel();
    await d.close(); // stops heartbeats but also releases: use a raw takeover instead
    dev.model.streamConfigs.length = 0;
    assert.equal(dev.server.stream.isOpen, false, 'release closes the channel too');
    assert.equal(dev.model.controlLost, 1);
    d = await GvcpDevice.connect({ address: dev.address, heartbeatIntervalMs: 60000 });
    await openChannel();
    await new Promise<void>((resolve) => dev.server.once('control-released', () => resolve()));
    assert.equal(dev.model.streamConfigs.at(-1), null);
    await assert.rejects(dev.model.services!.sendBlock(block(Buffer.alloc(100))), /stream channel 0 is closed/);
  });

  it('extended ids (0x0960) reach the sender: 64-bit block ids', async () => {
    await d.channel.writeRegister(Bootstrap.GVSP_CONFIGURATION, 0x40000000);
    await openChannel(576);
    assert.equal(dev.model.streamConfigs.at(-1)?.extendedIds, true);
    assert.equal(await dev.model.services!.sendBlock(block(Buffer.alloc(500))), 1n);
    await rx.waitFor(3);
    assert.equal(rx.packets[0].msg[4] & 0x80, 0x80, 'EI flag');
    assert.equal(rx.packets[0].msg.readBigUInt64BE(8), 1n);
  });
});

describe('gvcp: stream channel block ids', () => {
  it('wrap 0xFFFF → 1 with standard ids (0 is reserved for the test packet)', async () => {
    const ids: bigint[] = [];
    const fake: BlockSender = {
      port: 1,
      configure() {},
      resend() {
        return true;
      },
      close: async () => {},
      sendTestPacket: async () => ({ packets: 1, bytes: 0 }),
      sendBlock: async (b) => {
        ids.push(b.blockId);
        return { packets: 3, bytes: 0 };
      },
    };
    const sc = new StreamChannel({
      bindAddress: '127.0.0.1',
      bandwidthBytesPerSecond: 0,
      senderFactory: () => fake,
      packetSize: { min: 576, max: 9000, inc: 4, default: 1500 },
      destinationAllowed: () => true,
      extendedIds: () => false,
      onChange: () => {},
      onWarning: (e) => {
        throw e;
      },
    });
    assert.equal(sc.write(StreamChannelRegister.SCP, 5000, { address: '127.0.0.1', port: 1 }), 0);
    for (let i = 0; i < 0x10001; i += 1) await sc.sendBlock(block(Buffer.alloc(100)));
    assert.equal(ids[0], 1n);
    assert.equal(ids[0xfffe], 0xffffn);
    assert.equal(ids[0xffff], 1n);
    assert.ok(!ids.includes(0n));
  });
});

describe('gvcp: reserved block ids', () => {
  it('a model may take the next id before sending (for events); unreserved sends continue after it', async () => {
    const ids: bigint[] = [];
    const fake: BlockSender = {
      port: 1,
      configure() {},
      resend() {
        return true;
      },
      close: async () => {},
      sendTestPacket: async () => ({ packets: 1, bytes: 0 }),
      sendBlock: async (b) => {
        ids.push(b.blockId);
        return { packets: 3, bytes: 0 };
      },
    };
    const sc = new StreamChannel({
      bindAddress: '127.0.0.1',
      bandwidthBytesPerSecond: 0,
      senderFactory: () => fake,
      packetSize: { min: 576, max: 9000, inc: 4, default: 1500 },
      destinationAllowed: () => true,
      extendedIds: () => false,
      onChange: () => {},
      onWarning: (e) => {
        throw e;
      },
    });
    assert.equal(sc.reserveBlockId(), null, 'closed channel: nothing to reserve');
    sc.write(StreamChannelRegister.SCP, 5000, { address: '127.0.0.1', port: 1 });
    const reserved = sc.reserveBlockId()!;
    assert.equal(reserved, 1n);
    assert.equal(await sc.sendBlock({ ...block(Buffer.alloc(100)), blockId: reserved }), 1n);
    assert.equal(await sc.sendBlock(block(Buffer.alloc(100))), 2n);
    assert.deepEqual(ids, [1n, 2n]);
  });
});
