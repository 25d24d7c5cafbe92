import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { ControlChannel } from '../../lib/gvcp/control-channel';
import { Ack, GvcpStatus } from '../../lib/gvcp/protocol';
import { GvcpCommand, decodeCommand, encodeAck, encodePendingAck, encodeReadRegAck } from '../../lib/gvcp/codec';
import { GvcpError } from '../../lib/gvcp/errors';
import { discover } from '../../lib/gvcp/discovery';
import { uniqueLoopbackAddress } from '../support/loopback';
import { startTestDevice, TestDevice } from './support/harness';
import { UdpProxy } from './support/udp-proxy';
import { REG_RW } from './support/test-model';

/** A scripted peer on loopback: sees every command and answers as the test says. */
class ScriptedDevice {
  readonly received: GvcpCommand[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    public onCommand: (cmd: GvcpCommand, reply: (b: Buffer, delayMs?: number) => void) => void,
  ) {
    socket.on('message', (msg, rinfo) => {
      const cmd = decodeCommand(msg);
      this.received.push(cmd);
      this.onCommand(cmd, (b, delayMs) => {
        const send = (): void => {
          socket.send(b, rinfo.port, rinfo.address);
        };
        if (delayMs) setTimeout(send, delayMs);
        else send();
      });
    });
  }

  static async start(onCommand: ScriptedDevice['onCommand']): Promise<ScriptedDevice> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, uniqueLoopbackAddress(), () => r()));
    return new ScriptedDevice(socket, onCommand);
  }

  get address(): string {
    return this.socket.address().address;
  }
  get port(): number {
    return this.socket.address().port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

const readregAck = (cmd: GvcpCommand, value: number, status = 0): Buffer =>
  encodeAck({ status, answer: Ack.READREG, ackId: cmd.requestId, payload: status ? undefined : encodeReadRegAck([value]) });

describe('gvcp: ControlChannel request/ack machinery', function () {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function scripted(
    onCommand: ScriptedDevice['onCommand'],
    options: { timeoutMs?: number; retries?: number; firstRequestId?: number } = {},
  ): Promise<[ScriptedDevice, ControlChannel]> {
    const dev = await ScriptedDevice.start(onCommand);
    cleanup.push(() => dev.close());
    const ch = await ControlChannel.open({ address: dev.address, port: dev.port, timeoutMs: 60, retries: 3, ...options });
    cleanup.push(() => ch.close());
    return [dev, ch];
  }

  it('request ids are never 0 and wrap 0xFFFF → 1', async () => {
    const [dev, ch] = await scripted((cmd, reply) => reply(readregAck(cmd, 1)), { firstRequestId: 0xfffe });
    for (let i = 0; i < 3; i += 1) await ch.readRegister(0x0a00);
    assert.deepEqual(
      dev.received.map((c) => c.requestId),
      [0xfffe, 0xffff, 1],
    );
    await assert.rejects(ControlChannel.open({ address: dev.address, firstRequestId: 0 }), /0 is reserved/);
  });

  it('resends a lost command with the same request id, then succeeds', async () => {
    let n = 0;
    const [dev, ch] = await scripted((cmd, reply) => {
      if (++n >= 3) reply(readregAck(cmd, 0xabcd));
    });
    assert.equal(await ch.readRegister(0x0a00), 0xabcd);
    assert.equal(dev.received.length, 3);
    assert.equal(new Set(dev.received.map((c) => c.requestId)).size, 1, 'all tries carry one request id');
    assert.equal(ch.stats().resends, 2);
  });

  it('gives up after 1 + retries tries with a timeout error that says so', async () => {
    const [dev, ch] = await scripted(() => undefined, { retries: 2, timeoutMs: 30 });
    const err = await ch.readRegister(0x0a00).catch((e: GvcpError) => e);
    assert.ok(err instanceof GvcpError);
    assert.equal(err.code, 'GVCP_TIMEOUT');
    assert.match(err.message, /no answer to READREG 0x0a00 .* after 3 tries of 30 ms/);
    assert.equal(dev.received.length, 3);
  });

  it('PENDING_ACK extends the wait beyond the normal timeout', async () => {
    const [dev, ch] = await scripted((cmd, reply) => {
      reply(encodeAck({ answer: Ack.PENDING, ackId: cmd.requestId, payload: encodePendingAck(300) }));
      reply(readregAck(cmd, 77), 250); // well after the 60 ms ack timeout
    });
    assert.equal(await ch.readRegister(0x0a00), 77);
    assert.equal(dev.received.length, 1, 'no resend while the device said it was busy');
    assert.equal(ch.stats().pendingAcks, 1);
  });

  it('a device that only ever answers PENDING_ACK gets a bounded time, then the command fails and the next one goes', async () => {
    const pendingTimers: NodeJS.Timeout[] = [];
    cleanup.push(async () => {
      for (const t of pendingTimers) clearTimeout(t);
    });
    const [dev] = await scripted((cmd, reply) => {
      if (cmd.payload.readUInt32BE(0) === 0x0a04) {
        reply(readregAck(cmd, 5));
        return;
      }
      // "Still busy, 40 ms more", every 30 ms (bounded: 100 times at most).
      for (let i = 0; i < 100; i += 1) {
        pendingTimers.push(
          setTimeout(() => reply(encodeAck({ answer: Ack.PENDING, ackId: cmd.requestId, payload: encodePendingAck(40) })), 30 * i),
        );
      }
    });
    const ch = await ControlChannel.open({ address: dev.address, port: dev.port, timeoutMs: 30, retries: 0, maxPendingMs: 300 });
    cleanup.push(() => ch.close());
    const started = Date.now();
    const stuck = ch.readRegister(0x0a00).catch((e: GvcpError) => e);
    const next = ch.readRegister(0x0a04);
    const err = await stuck;
    assert.ok(err instanceof GvcpError && err.code === 'GVCP_TIMEOUT', String(err));
    assert.match(err.message, /still pending after \d+ ms of PENDING_ACKs .* at most 300 ms/);
    assert.ok(Date.now() - started < 2000);
    assert.equal(await next, 5, 'the queue moves on');
  });

  it('refuses commands beyond the queue limit instead of queueing without end', async () => {
    const [dev] = await scripted((cmd, reply) => reply(readregAck(cmd, 1), 20));
    const ch = await ControlChannel.open({ address: dev.address, port: dev.port, timeoutMs: 200, maxQueued: 3 });
    cleanup.push(() => ch.close());
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => ch.readRegister(0x0a00 + 4 * i)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'],
    );
    assert.match(String((results[4] as PromiseRejectedResult).reason), /3 commands are already waiting.*limit 3/);
  });

  it('refuses a port that is no UDP port before opening a socket', async () => {
    await assert.rejects(ControlChannel.open({ address: '127.0.0.1', port: 0 }), /port 0 is not a UDP port; use 1…65535/);
    await assert.rejects(discover({ address: '127.0.0.1', port: 70000, timeoutMs: 50 }), /port 70000 is not a UDP port/);
  });

  it('ignores late acks of an earlier command, duplicates and strays', async () => {
    let first: GvcpCommand | null = null;
    const [, ch] = await scripted(
      (cmd, reply) => {
        if (!first) {
          first = cmd;
          return;
        } // first command never answered in time…
        reply(readregAck(first, 0xdead)); // …its late ack arrives during the second command
        reply(encodeAck({ answer: Ack.WRITEREG, ackId: cmd.requestId, payload: Buffer.alloc(4) })); // wrong answer code
        reply(readregAck(cmd, 0x5555));
        reply(readregAck(cmd, 0x6666)); // duplicate ack
      },
      { retries: 0, timeoutMs: 40 },
    );
    await assert.rejects(ch.readRegister(0x0a00), /no answer/);
    assert.equal(await ch.readRegister(0x0a04), 0x5555);
    // The duplicate (0x6666) of the second command's ack must not answer the third command.
    assert.equal(await ch.readRegister(0x0a08), 0x5555);
    assert.ok(ch.stats().ignoredAcks >= 5, `ignored ${ch.stats().ignoredAcks}`);
  });

  it('maps every error status to a GvcpError naming the status and what it means', async () => {
    const statuses = Object.values(GvcpStatus).filter((s) => s >= 0x8000);
    let i = 0;
    const [, ch] = await scripted((cmd, reply) => reply(readregAck(cmd, 0, statuses[i++])));
    for (const status of statuses) {
      const err = await ch.readRegister(0x0a00).catch((e: GvcpError) => e);
      assert.ok(err instanceof GvcpError);
      assert.equal(err.status, status);
      assert.equal(err.code, 'GVCP_STATUS');
      assert.match(err.message, new RegExp(`READREG 0x0a00 failed: ${err.statusName} \\(0x${status.toString(16)}\\): \\w`));
    }
    assert.equal(i, statuses.length);
  });

  it('a malformed ack never crashes the channel; it is counted and the command still completes', async () => {
    const [, ch] = await scripted((cmd, reply) => {
      reply(Buffer.from([0x00, 0x00, 0x00])); // too short
      const lying = readregAck(cmd, 1);
      lying.writeUInt16BE(200, 4); // declares more payload than it carries
      reply(lying);
      reply(readregAck(cmd, 42));
    });
    assert.equal(await ch.readRegister(0x0a00), 42);
    assert.equal(ch.stats().malformedPackets, 2);
  });

  it('commands are queued one at a time; close() rejects what is outstanding', async () => {
    const [dev, ch] = await scripted(() => undefined, { timeoutMs: 1000 });
    const a = ch.readRegister(0x0a00);
    const b = ch.readRegister(0x0a04);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(dev.received.length, 1, 'the second waits for the first');
    await ch.close();
    await assert.rejects(a, (e: GvcpError) => e.code === 'GVCP_CLOSED');
    await assert.rejects(b, (e: GvcpError) => e.code === 'GVCP_CLOSED');
    await assert.rejects(ch.readRegister(0), (e: GvcpError) => e.code === 'GVCP_CLOSED');
  });
});

describe('gvcp: retries through a lossy proxy in front of the emulated device', function () {
  let dev: TestDevice;
  let proxy: UdpProxy;
  afterEach(async () => {
    await proxy?.close();
    await dev?.stop();
  });

  it('completes every command when every other datagram is dropped in either direction', async () => {
    dev = await startTestDevice({ openAccessWrites: true });
    proxy = await UdpProxy.start(uniqueLoopbackAddress(), { address: dev.address, port: 3956 }, (_p, direction, i) => {
      if (direction === 'toDevice' && i % 3 === 1) return 'drop';
      if (direction === 'toClient' && i % 3 === 2) return 'drop';
      return undefined;
    });
    const ch = await ControlChannel.open({ address: proxy.address, port: proxy.port, timeoutMs: 40, retries: 4 });
    try {
      for (let v = 1; v <= 12; v += 1) {
        await ch.writeRegister(REG_RW, v);
        assert.equal(await ch.readRegister(REG_RW), v);
      }
      const s = ch.stats();
      assert.ok(s.resends > 0, 'some commands needed resends');
      assert.equal(s.timeouts, 0);
      // The device executed each retried write once and answered duplicates from its cache.
      assert.ok(dev.server.stats().duplicates > 0, 'the device saw retransmissions');
    } finally {
      await ch.close();
    }
  });

  it('duplicated acks from the network are tolerated', async () => {
    dev = await startTestDevice();
    proxy = await UdpProxy.start(uniqueLoopbackAddress(), { address: dev.address, port: 3956 }, (_p, d) =>
      d === 'toClient' ? 'duplicate' : undefined,
    );
    const ch = await ControlChannel.open({ address: proxy.address, port: proxy.port, timeoutMs: 100 });
    try {
      const values = [];
      for (let i = 0; i < 5; i += 1) values.push(await ch.readRegister(REG_RW));
      assert.deepEqual(values, [0x12345678, 0x12345678, 0x12345678, 0x12345678, 0x12345678]);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(ch.stats().ignoredAcks, 5);
    } finally {
      await ch.close();
    }
  });
});
