import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { GvcpDevice } from '../../lib/gvcp/device';
import { ControlChannel } from '../../lib/gvcp/control-channel';
import { MessageChannel, GvcpEvent } from '../../lib/gvcp/message-channel';
import { Ack, Bootstrap, Command, GvcpStatus } from '../../lib/gvcp/protocol';
import { decodeCommand, decodeReadRegCommand, encodeAck, encodeCommand, encodeEventCommand, encodeReadRegAck } from '../../lib/gvcp/codec';
import { startTestDevice, TestDevice } from './support/harness';
import { uniqueLoopbackAddress } from '../support/loopback';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

function bind(address: string): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind({ address, port: 0 }, () => resolve(s));
  });
}

const ITEM = encodeEventCommand([{ eventId: 0x9004, streamChannel: 0, blockId: 1n, timestamp: 9n }], false);
const eventPacket = (requestId: number): Buffer => encodeCommand({ command: Command.EVENT, requestId, payload: ITEM });

/**
 * Issue 15, item 5: events were accepted from the camera's IP on any port (59,387 spoofed in 30 s).
 * Only the camera's message channel — its IP and its MCSP source port — may be heard.
 */
describe("gvcp: events are accepted only from the camera's message-channel source (IP and MCSP port)", function () {
  let dev: TestDevice;
  const open: Array<{ close(): Promise<void> }> = [];
  const sockets: dgram.Socket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
    await dev?.stop();
  });

  it("a spoofed EVENT from the camera's own IP but another port is neither acknowledged nor delivered; the camera's events are", async () => {
    dev = await startTestDevice();
    const device = await GvcpDevice.connect({ address: dev.address });
    open.push(device);
    const mc = await MessageChannel.open(device.channel);
    open.push(mc);
    assert.ok(mc.deviceSourcePort, 'MCSP read from the device');
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));

    const spoofer = await bind(dev.address);
    sockets.push(spoofer);
    const acks: Buffer[] = [];
    spoofer.on('message', (m) => acks.push(m));
    for (let id = 1; id <= 20; id += 1) spoofer.send(eventPacket(id), mc.localPort, mc.localAddress);
    await until(() => mc.stats().foreign === 20);
    await sleep(50);
    assert.deepEqual([events.length, acks.length], [0, 0], 'spoofed events: no ack, no delivery');

    dev.model.services!.sendEvent({ eventId: 0x9001, timestamp: 5n });
    await until(() => events.length === 1);
    assert.equal(events[0].eventId, 0x9001);
  });

  it("without MCSP (an older device), the port of the first event from the camera's IP is the only one heard after", async () => {
    // A minimal device: answers READREG (0x0930 with INVALID_ADDRESS, as GigE Vision 1.0 may) and WRITEREG.
    const deviceSocket = await bind(uniqueLoopbackAddress());
    sockets.push(deviceSocket);
    const { address, port } = deviceSocket.address();
    deviceSocket.on('message', (msg, rinfo) => {
      const cmd = decodeCommand(msg);
      if (cmd.command === Command.READREG) {
        const [register] = decodeReadRegCommand(cmd.payload);
        const ack =
          register === Bootstrap.MESSAGE_CHANNEL_CAPABILITY
            ? encodeAck({ status: GvcpStatus.INVALID_ADDRESS, answer: Ack.READREG, ackId: cmd.requestId })
            : encodeAck({ answer: Ack.READREG, ackId: cmd.requestId, payload: encodeReadRegAck([0]) });
        deviceSocket.send(ack, rinfo.port, rinfo.address);
      } else if (cmd.command === Command.WRITEREG) {
        deviceSocket.send(encodeAck({ answer: Ack.WRITEREG, ackId: cmd.requestId, payload: Buffer.alloc(4) }), rinfo.port, rinfo.address);
      }
    });
    const control = await ControlChannel.open({ address, port });
    open.push(control);
    const mc = await MessageChannel.open(control);
    open.push(mc);
    assert.equal(mc.deviceSourcePort, null, 'no MCSP: to be learned');
    const events: GvcpEvent[] = [];
    mc.on('event', (e: GvcpEvent) => events.push(e));
    const eventSource = await bind(address);
    const other = await bind(address);
    sockets.push(eventSource, other);
    eventSource.send(eventPacket(1), mc.localPort, mc.localAddress);
    await until(() => events.length === 1);
    assert.equal(mc.deviceSourcePort, eventSource.address().port);
    other.send(eventPacket(2), mc.localPort, mc.localAddress);
    eventSource.send(eventPacket(3), mc.localPort, mc.localAddress);
    await until(() => events.length === 2 && mc.stats().foreign === 1);
    assert.deepEqual(
      events.map((e) => e.requestId),
      [1, 3],
    );
  });
});
