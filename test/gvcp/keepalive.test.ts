import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { ControlChannel } from '../../lib/gvcp/control-channel';
import { ControlKeepAlive } from '../../lib/gvcp/keepalive';
import { Ack, Bootstrap, Command } from '../../lib/gvcp/protocol';
import { decodeCommand, decodeReadRegCommand, encodeAck, encodeReadRegAck } from '../../lib/gvcp/codec';
import { uniqueLoopbackAddress } from '../support/loopback';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Blocks this process's event loop: the native thread must work without it. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy */
  }
}

interface Received {
  requestId: number;
  addresses: number[];
  from: number;
  at: number;
}

/**
 * A device that answers every READREG with 0x2 (control) and records what came; reads of more
 * than one register are answered `slowReadDelayMs` later.
 */
async function fakeDevice(slowReadDelayMs = 0): Promise<{ socket: dgram.Socket; received: Received[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: uniqueLoopbackAddress(), port: 0 }, () => resolve()));
  const received: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    const cmd = decodeCommand(msg);
    if (cmd.command !== Command.READREG) return;
    const addresses = decodeReadRegCommand(cmd.payload);
    received.push({ requestId: cmd.requestId, addresses, from: rinfo.port, at: Date.now() });
    const answer = () =>
      socket.send(
        encodeAck({ answer: Ack.READREG, ackId: cmd.requestId, payload: encodeReadRegAck(addresses.map(() => 2)) }),
        rinfo.port,
        rinfo.address,
      );
    if (slowReadDelayMs === 0 || addresses.length === 1) answer();
    else {
      const t = setTimeout(() => {
        timers.delete(t);
        answer();
      }, slowReadDelayMs);
      timers.add(t);
    }
  });
  return {
    socket,
    received,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((r) => socket.close(() => r()));
    },
  };
}

describe('gvcp: the native keep-alive sends heartbeats on the control socket while JavaScript is silent', function () {
  this.timeout(15000);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(slowReadDelayMs = 0) {
    const device = await fakeDevice(slowReadDelayMs);
    cleanups.push(() => device.close());
    const { address, port } = device.socket.address();
    const channel = await ControlChannel.open({ address, port });
    cleanups.push(() => channel.close());
    const keepAlive = ControlKeepAlive.start(channel, { registerAddress: Bootstrap.CCP, intervalMs: 100 });
    assert.ok(keepAlive, 'the native addon provides the keep-alive on Linux');
    cleanups.push(() => keepAlive.stop());
    return { device, channel, keepAlive };
  }

  it("steps in after 1.5 intervals of silence, from the channel's own port, one READREG of CCP per interval with reserved ids", async () => {
    const { device, channel, keepAlive } = await setUp();
    const ownPort = channel.localEndpoint().port;
    blockEventLoop(800);
    // Stopped before counting: the thread must not add a send between the two counts below.
    keepAlive.stop();
    await sleep(50);
    const sent = [...device.received];
    assert.ok(sent.length >= 3 && sent.length <= 12, `${sent.length} keep-alive commands in 800 ms at a 100 ms interval`);
    for (const r of sent) {
      assert.equal(r.from, ownPort, 'same source port as the control channel: the device sees its controller');
      assert.deepEqual(r.addresses, [Bootstrap.CCP]);
    }
    // Ids the channel reserved: distinct (a device may take a repeated id for a retransmission) and
    // never used by the channel's own next commands.
    const keepAliveIds = sent.slice(0, 8).map((r) => r.requestId);
    assert.equal(new Set(keepAliveIds).size, keepAliveIds.length, `ids ${keepAliveIds.join(', ')}`);
    const before = device.received.length;
    for (let i = 0; i < 3; i += 1) await channel.readRegister(Bootstrap.CCP);
    for (const own of device.received.slice(before))
      assert.ok(!keepAliveIds.includes(own.requestId), `the channel reused id ${own.requestId}`);
    assert.equal(keepAlive.stats().sent, sent.length);
    // Their acks are not the channel's: counted as ignored, resolving nothing.
    assert.ok(channel.stats().ignoredAcks >= sent.length - 1, `ignored acks ${channel.stats().ignoredAcks}`);
  });

  it('stays quiet while JavaScript sends commands itself', async () => {
    const { device, channel, keepAlive } = await setUp();
    const until = Date.now() + 700;
    while (Date.now() < until) {
      await channel.readRegister(Bootstrap.CCP);
      await sleep(40);
    }
    assert.equal(keepAlive.stats().sent, 0, 'no keep-alive while JavaScript heartbeats');
    assert.ok(device.received.length >= 5);
  });

  it('a keep-alive ack never answers the command JavaScript is waiting for', async () => {
    // The device answers the two-register read late, so keep-alive acks arrive while it is pending.
    const { device, channel } = await setUp(300);
    const pending = channel.readRegisters([Bootstrap.CCP, Bootstrap.HEARTBEAT_TIMEOUT], { timeoutMs: 2000, retries: 0 });
    blockEventLoop(600);
    const values = await pending;
    assert.deepEqual(values, [2, 2], "the answer to its own request (two registers), not a keep-alive's (one)");
    assert.ok(
      device.received.some((r) => r.addresses.length === 1),
      'keep-alives went out meanwhile',
    );
  });

  it('stops before the channel closes its socket: nothing is sent on a closed descriptor', async () => {
    const { device, channel, keepAlive } = await setUp();
    await channel.close();
    const count = device.received.length;
    blockEventLoop(400);
    await sleep(50);
    assert.equal(device.received.length, count, 'nothing after close');
    assert.equal(keepAlive.stats().sendErrors, 0);
  });
});
