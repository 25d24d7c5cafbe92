import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { GvcpDevice } from '../../lib/gvcp/device';
import { GvcpEvent, MessageChannel } from '../../lib/gvcp/message-channel';
import { sendActionCommand } from '../../lib/gvcp/action';
import { forceIp } from '../../lib/gvcp/forceip';
import { discover } from '../../lib/gvcp/discovery';
import { Ack, Bootstrap, Command, GvcpConfiguration, GvcpStatus, StandardEvent } from '../../lib/gvcp/protocol';
import { decodeCommand, encodeAck, encodeCommand, encodeEventCommand } from '../../lib/gvcp/codec';
import { LOOPBACK_BROADCAST, uniqueLoopbackAddress } from '../support/loopback';
import { startTestDevice, TestDevice } from './support/harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate() && Date.now() < end) await sleep(5);
}

describe('gvcp: message channel (events)', function () {
  let dev: TestDevice;
  let d: GvcpDevice;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    dev = await startTestDevice();
    d = await GvcpDevice.connect({ address: dev.address });
    open.push(d);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
    await dev.stop();
  });

  it('opens MCP/MCDA, receives EVENT and EVENTDATA with ids, block ids, timestamps and data, and acks them', async () => {
    const mc = await MessageChannel.open(d.channel);
    open.push(mc);
    assert.equal(await d.channel.readRegister(Bootstrap.MCP), mc.localPort);
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));
    const s = dev.model.services!;
    const t = s.now();
    s.sendEvent({ eventId: 0x9001, streamChannel: 0, blockId: 17n, timestamp: t });
    s.sendEvent({ eventId: 0x9002, timestamp: t + 5n, data: Buffer.from('0102030405060708', 'hex') });
    await until(() => events.length === 2 && dev.server.stats().events.eventsAcknowledged === 2);
    assert.deepEqual(
      events.map((e) => [e.eventId, e.streamChannel, e.blockId, e.timestamp]),
      [
        [0x9001, 0, 17n, t],
        [0x9002, 0xffff, 0n, t + 5n],
      ],
    );
    assert.equal(events[0].data, undefined);
    assert.deepEqual(events[1].data, Buffer.from('0102030405060708', 'hex'));
    assert.equal(events[0].source, dev.address);
    assert.ok(t > 1_600_000_000_000_000_000n, 'device time is epoch ns');
    assert.equal(dev.server.stats().events.retransmissions, 0);
  });

  it('the device retransmits an unacknowledged event with the same request id; the host delivers it once', async () => {
    await d.channel.writeRegisters([
      { address: Bootstrap.MCTT, value: 50 },
      { address: Bootstrap.MCRC, value: 3 },
    ]);
    const host = dgram.createSocket('udp4');
    await new Promise<void>((r) => host.bind(0, '127.0.0.1', () => r()));
    const copies: number[] = [];
    host.on('message', (msg, rinfo) => {
      const cmd = decodeCommand(msg);
      copies.push(cmd.requestId);
      if (copies.length === 3) host.send(encodeAck({ answer: Ack.EVENT, ackId: cmd.requestId }), rinfo.port, rinfo.address);
    });
    await d.channel.writeRegisters([
      { address: Bootstrap.MCDA, value: 0x7f000001 },
      { address: Bootstrap.MCP, value: host.address().port },
    ]);
    dev.model.services!.sendEvent({ eventId: 0x9003, timestamp: 1n });
    await until(() => dev.server.stats().events.eventsAcknowledged === 1);
    await sleep(120);
    host.close();
    assert.equal(copies.length, 3, 'sent, resent twice, acked on the third copy');
    assert.equal(new Set(copies).size, 1);
    assert.equal(dev.server.stats().events.retransmissions, 2);
    // And a host that never answers: MCRC resends, then the device drops the event.
    dev.model.services!.sendEvent({ eventId: 0x9003, timestamp: 2n });
    await until(() => dev.server.stats().events.eventsDropped === 1, 1000);
    assert.equal(dev.server.stats().events.eventsDropped, 1);
  });

  it('a host receiving the same EVENT twice acks both copies and delivers one event', async () => {
    const mc = await MessageChannel.listen('127.0.0.1');
    open.push(mc);
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const acks: Buffer[] = [];
    raw.on('message', (m) => acks.push(m));
    const packet = encodeCommand({
      command: Command.EVENT,
      requestId: 777,
      payload: encodeEventCommand([{ eventId: 0x9004, streamChannel: 0, blockId: 1n, timestamp: 9n }], false),
    });
    raw.send(packet, mc.localPort, '127.0.0.1');
    raw.send(packet, mc.localPort, '127.0.0.1');
    raw.send(Buffer.from('42010000ffff0001', 'hex'), mc.localPort, '127.0.0.1'); // malformed: length beyond datagram
    // EVENTDATA beyond GVCP's 540-byte payload: acked (the device stops resending) but not delivered.
    const oversized = Buffer.alloc(8 + 600);
    oversized.writeUInt8(0x42, 0);
    oversized.writeUInt8(0x01, 1); // acknowledge required
    oversized.writeUInt16BE(Command.EVENTDATA, 2);
    oversized.writeUInt16BE(600, 4);
    oversized.writeUInt16BE(778, 6);
    raw.send(oversized, mc.localPort, '127.0.0.1');
    await until(() => acks.length === 3 && mc.stats().malformed === 2);
    raw.close();
    assert.equal(events.length, 1);
    assert.equal(mc.stats().duplicates, 1);
    assert.ok(acks.slice(0, 2).every((a) => a.readUInt16BE(2) === Ack.EVENT && a.readUInt16BE(6) === 777));
  });

  it('hears events only from its device, and refuses oversized ones', async () => {
    const mc = await MessageChannel.open(d.channel);
    open.push(mc);
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));
    // A stranger on another loopback address: no ack, no event.
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, uniqueLoopbackAddress(), () => r()));
    const acks: Buffer[] = [];
    stranger.on('message', (m) => acks.push(m));
    const item = encodeEventCommand([{ eventId: 0x9004, streamChannel: 0, blockId: 1n, timestamp: 9n }], false);
    stranger.send(encodeCommand({ command: Command.EVENT, requestId: 5, payload: item }), mc.localPort, mc.localAddress);
    await until(() => mc.stats().foreign === 1);
    await sleep(50);
    stranger.close();
    assert.deepEqual([events.length, acks.length], [0, 0]);
    assert.equal(mc.stats().foreign, 1);
  });

  it('heartbeat expiry closes the message channel: later events are discarded', async () => {
    await dev.stop();
    dev = await startTestDevice({ heartbeatTimeoutMs: 500 });
    const c = await GvcpDevice.connect({ address: dev.address, heartbeatIntervalMs: 60000 });
    open.push(c);
    const mc = await MessageChannel.open(c.channel);
    open.push(mc);
    await new Promise<void>((resolve) => dev.server.once('control-released', () => resolve()));
    assert.equal(await c.channel.readRegister(Bootstrap.MCP), 0);
    dev.model.services!.sendEvent({ eventId: 0x9001, timestamp: 1n });
    assert.equal(dev.server.stats().events.eventsDiscardedClosed, 1);
  });
});

describe('gvcp: action commands', function () {
  const devices: TestDevice[] = [];
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close().catch(() => undefined);
    for (const d of devices.splice(0)) await d.stop();
  });

  async function camera(deviceKey: number, groupKey: number, groupMask: number, actionStatus = 0): Promise<[TestDevice, GvcpDevice]> {
    const t = await startTestDevice({
      broadcastAddresses: [LOOPBACK_BROADCAST],
      modelOptions: { actionStatus, mac: `02:00:00:00:${(devices.length + 1).toString(16).padStart(2, '0')}:aa` },
    });
    devices.push(t);
    const g = await GvcpDevice.connect({ address: t.address });
    open.push(g);
    await g.channel.writeRegisters([
      { address: Bootstrap.ACTION_DEVICE_KEY, value: deviceKey },
      { address: Bootstrap.ACTION_GROUP_KEY0 + 0x10, value: groupKey },
      { address: Bootstrap.ACTION_GROUP_MASK0 + 0x10, value: groupMask },
    ]);
    return [t, g];
  }

  it('one broadcast scheduled ACTION_CMD reaches two cameras with the same scheduled time', async () => {
    const key = (0x10000 + (process.pid & 0xffff)) >>> 0;
    const [a] = await camera(key, 0x77, 0x0f);
    const [b] = await camera(key, 0x77, 0x30);
    const when = a.model.services!.now() + 50_000_000n;
    const answers = await sendActionCommand({
      address: LOOPBACK_BROADCAST,
      deviceKey: key,
      groupKey: 0x77,
      groupMask: 0x11,
      scheduledTime: when,
    });
    const ours = answers.filter((x) => x.address === a.address || x.address === b.address);
    assert.deepEqual(
      ours.map((x) => [x.address, x.status]).sort(),
      [
        [a.address, 0],
        [b.address, 0],
      ].sort(),
    );
    assert.deepEqual(
      a.model.actions.map((x) => [x.signals, x.scheduledTime]),
      [[[1], when]],
    );
    assert.deepEqual(
      b.model.actions.map((x) => [x.signals, x.scheduledTime]),
      [[[1], when]],
    );
  });

  it('keys and masks decide: wrong device key, wrong group key or a disjoint mask → no action and no answer', async () => {
    const [a] = await camera(0xabc, 5, 0x1);
    for (const [dk, gk, gm] of [
      [0xabd, 5, 1],
      [0xabc, 6, 1],
      [0xabc, 5, 2],
    ]) {
      const answers = await sendActionCommand({ address: a.address, deviceKey: dk, groupKey: gk, groupMask: gm, timeoutMs: 80 });
      assert.deepEqual(answers, []);
    }
    assert.equal(a.model.actions.length, 0);
    assert.equal((await sendActionCommand({ address: a.address, deviceKey: 0xabc, groupKey: 5, groupMask: 0xffffffff })).length, 1);
    assert.deepEqual(a.model.actions[0].signals, [1]);
    assert.equal(a.model.actions[0].scheduledTime, undefined);
  });

  it('without a controlling application a device ignores actions, unless unconditional mode is on', async () => {
    const [a, g] = await camera(1, 2, 3);
    await g.channel.writeRegister(Bootstrap.GVCP_CONFIGURATION, (g.info.gvcpConfiguration | GvcpConfiguration.UNCONDITIONAL_ACTION) >>> 0);
    await g.close();
    assert.equal((await sendActionCommand({ address: a.address, deviceKey: 1, groupKey: 2, groupMask: 3 })).length, 1, 'unconditional');
    const h = await GvcpDevice.connect({ address: a.address, enableDeviceFeatures: false });
    open.push(h);
    await h.channel.writeRegister(Bootstrap.GVCP_CONFIGURATION, 0);
    await h.close();
    assert.equal((await sendActionCommand({ address: a.address, deviceKey: 1, groupKey: 2, groupMask: 3, timeoutMs: 80 })).length, 0);
  });

  it('ACTION_LATE from the model reaches the sender as an error and as event 0x0009', async () => {
    const [a, g] = await camera(9, 9, 9, GvcpStatus.ACTION_LATE);
    const mc = await MessageChannel.open(g.channel);
    open.push(mc);
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));
    const [answer] = await sendActionCommand({ address: a.address, deviceKey: 9, groupKey: 9, groupMask: 9, scheduledTime: 1n });
    assert.equal(answer.status, GvcpStatus.ACTION_LATE);
    assert.match(answer.error!.message, /ACTION refused: ACTION_LATE \(0x8016\): the scheduled action time has already passed/);
    await until(() => events.length === 1);
    assert.equal(events[0].eventId, StandardEvent.ACTION_LATE);
  });
});

describe('gvcp: FORCEIP', function () {
  it('moves a device to a new loopback address; it answers from there and is discovered there', async () => {
    const t = await startTestDevice({
      broadcastAddresses: [LOOPBACK_BROADCAST],
      modelOptions: { mac: '02:00:00:00:fe:01', serial: `FIP${process.pid}` },
    });
    try {
      const target = uniqueLoopbackAddress();
      const { address } = await forceIp({
        macAddress: '02:00:00:00:fe:01',
        ipAddress: target,
        subnetMask: '255.0.0.0',
        broadcast: LOOPBACK_BROADCAST,
        timeoutMs: 300,
      });
      assert.equal(address, target);
      const found = await discover({ address: target, timeoutMs: 200 });
      assert.equal(found.length, 1);
      assert.equal(found[0].ipAddress, target);
      assert.deepEqual(await discover({ address: t.address, timeoutMs: 100 }), [], 'the old address is gone');
      await assert.rejects(
        forceIp({
          macAddress: '02:00:00:00:fe:01',
          ipAddress: '192.0.2.77',
          subnetMask: '255.255.255.0',
          broadcast: LOOPBACK_BROADCAST,
          timeoutMs: 200,
        }),
        /INVALID_PARAMETER/,
      );
    } finally {
      await t.stop();
    }
  });
});
