import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { encodeCommand, encodeReadRegCommand } from '../../lib/gvcp/codec';
import { GvcpDevice } from '../../lib/gvcp/device';
import { ControlChannel } from '../../lib/gvcp/control-channel';
import { Bootstrap, Ccp, Command, GvcpCapability, GvcpStatus } from '../../lib/gvcp/protocol';
import { GvcpError } from '../../lib/gvcp/errors';
import { startTestDevice, TestDevice } from './support/harness';
import { REG_COUNTER, REG_RO, REG_RW, SCRATCH_ADDRESS, XML_ADDRESS } from './support/test-model';

async function expectStatus(p: Promise<unknown>, status: number, messagePart?: RegExp): Promise<GvcpError> {
  const err = await p.then(
    () => {
      throw new Error('expected a GVCP error');
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof GvcpError, `expected GvcpError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  if (messagePart) assert.match(err.message, messagePart);
  return err;
}

describe('gvcp: GvcpDevice against the emulated device core (real UDP)', function () {
  let dev: TestDevice;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeEach(async () => {
    dev = await startTestDevice();
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close().catch(() => undefined);
    await dev.stop();
  });

  async function connect(options: Partial<Parameters<typeof GvcpDevice.connect>[0]> = {}): Promise<GvcpDevice> {
    const d = await GvcpDevice.connect({ address: dev.address, ...options });
    open.push(d);
    return d;
  }

  it('reads identity, capabilities and URLs from the bootstrap registers', async () => {
    const d = await connect();
    assert.equal(d.info.manufacturerName, 'GVCP Test Vendor');
    assert.equal(d.info.modelName, 'GVCP-Test-Device');
    assert.equal(d.info.serialNumber, 'TEST0001');
    assert.equal(d.info.userDefinedName, 'bench');
    assert.equal(d.info.macAddress, '02:00:00:00:00:01');
    assert.equal(d.info.ipAddress, dev.address);
    assert.equal(d.info.subnetMask, '255.0.0.0');
    assert.equal(d.info.specVersionMajor, 2);
    assert.equal(d.info.heartbeatTimeoutMs, 3000);
    assert.equal(d.info.timestampTickFrequency, 1_000_000_000n);
    assert.match(d.info.firstUrl, /^Local:test\.xml;10000000;[0-9a-f]+$/);
    assert.ok(d.info.gvcpCapability & GvcpCapability.CONCATENATION);
    assert.ok(d.info.gvcpCapability & GvcpCapability.WRITEMEM);
    assert.equal(d.info.streamChannels, 1);
    assert.equal(d.info.messageChannels, 1);
    assert.equal(d.info.actionSignals, 2);
  });

  it('reads and writes several registers per packet, and maps status codes to errors', async () => {
    const d = await connect();
    const before = dev.server.stats().commands;
    const values = await d.channel.readRegisters([REG_RW, REG_RO, Bootstrap.CCP]);
    assert.deepEqual(values, [0x12345678, 0xcafef00d, Ccp.CONTROL]);
    assert.equal(dev.server.stats().commands - before, 1, 'three addresses in one READREG');
    await d.channel.writeRegisters([
      { address: REG_RW, value: 0xdeadbeef },
      { address: Bootstrap.HEARTBEAT_TIMEOUT, value: 4000 },
    ]);
    assert.equal(dev.model.registers.get(REG_RW), 0xdeadbeef);
    assert.equal(await d.channel.readRegister(Bootstrap.HEARTBEAT_TIMEOUT), 4000);
    await expectStatus(d.channel.writeRegister(REG_RO, 1), GvcpStatus.WRITE_PROTECT, /WRITE_PROTECT.*read-only/);
    await expectStatus(d.channel.readRegister(0xa100), GvcpStatus.INVALID_ADDRESS, /INVALID_ADDRESS/);
    await expectStatus(d.channel.writeRegister(Bootstrap.GVCP_CAPABILITY, 0), GvcpStatus.WRITE_PROTECT);
    // A failing write in the middle: the first is executed, the rest not.
    await expectStatus(
      d.channel.writeRegisters([
        { address: REG_RW, value: 7 },
        { address: REG_RO, value: 1 },
        { address: REG_RW, value: 9 },
      ]),
      GvcpStatus.WRITE_PROTECT,
    );
    assert.equal(dev.model.registers.get(REG_RW), 7);
  });

  it('reads the XML file in READMEM chunks of at most 536 bytes, through the GenICam port', async () => {
    const d = await connect();
    const before = dev.server.stats().commands;
    const xml = await d.port.read(XML_ADDRESS, dev.model.xmlBytes.length);
    assert.equal(xml.toString('utf8'), dev.model.xmlBytes.toString('utf8'));
    assert.equal(dev.server.stats().commands - before, Math.ceil((Math.ceil(dev.model.xmlBytes.length / 4) * 4) / 536));
    // Unaligned reads are widened and trimmed.
    assert.deepEqual(await d.port.read(XML_ADDRESS + 3, 5), dev.model.xmlBytes.subarray(3, 8));
  });

  it('writes memory (aligned, unaligned and across chunk boundaries) and reads it back', async () => {
    const d = await connect();
    const data = Buffer.from(Array.from({ length: 1200 }, (_, i) => (i * 7) & 0xff));
    await d.port.write(SCRATCH_ADDRESS, data);
    assert.deepEqual(dev.model.scratch.subarray(0, 1200), data);
    await d.port.write(SCRATCH_ADDRESS + 1, Buffer.from([0xaa, 0xbb]));
    assert.deepEqual([...dev.model.scratch.subarray(0, 4)], [0x00, 0xaa, 0xbb, 21]);
    assert.deepEqual(await d.port.read(SCRATCH_ADDRESS, 1200), dev.model.scratch.subarray(0, 1200));
    await expectStatus(d.port.write(XML_ADDRESS, Buffer.alloc(8)), GvcpStatus.WRITE_PROTECT);
  });

  it('refuses READMEM beyond 536 bytes and misaligned addresses with clear statuses', async () => {
    const ch = await ControlChannel.open({ address: dev.address, timeoutMs: 200, retries: 0 });
    open.push(ch);
    const readmem = (address: number, count: number): Promise<unknown> => {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(address, 0);
      p.writeUInt16BE(count, 6);
      return ch.transact(Command.READMEM, p);
    };
    await expectStatus(readmem(XML_ADDRESS, 540), GvcpStatus.INVALID_PARAMETER);
    await expectStatus(readmem(XML_ADDRESS + 2, 8), GvcpStatus.BAD_ALIGNMENT);
    await expectStatus(readmem(XML_ADDRESS, 6), GvcpStatus.BAD_ALIGNMENT);
    await expectStatus(readmem(0x3000, 4), GvcpStatus.INVALID_ADDRESS);
  });

  it('gives ACCESS_DENIED to a second controller and to writes from a monitor; monitor reads work', async () => {
    const first = await connect({ access: 'control' });
    const second = GvcpDevice.connect({ address: dev.address, access: 'control' });
    const err = await second.then(
      () => {
        throw new Error('second controller got control');
      },
      (e: GvcpError) => e,
    );
    assert.equal(err.code, 'GVCP_ACCESS_DENIED');
    assert.match(err.message, /another application controls this camera \(control access held by 127\.0\.0\.1:\d+\)/);
    const monitor = await connect({ access: 'monitor' });
    assert.equal(await monitor.channel.readRegister(REG_RW), 0x12345678);
    assert.equal(monitor.info.serialNumber, 'TEST0001');
    await assert.rejects(monitor.port.write(REG_RW, Buffer.alloc(4)), /monitor \(read-only\) access/);
    await expectStatus(monitor.channel.writeRegister(REG_RW, 1), GvcpStatus.ACCESS_DENIED, /another application controls this camera/);
    const holder = await monitor.controlHolder();
    assert.equal(holder.access, 'control');
    assert.equal(holder.port, first.channel.localEndpoint().port);
    assert.equal(holder.isUs, false);
    assert.equal((await first.controlHolder()).isUs, true);
  });

  it('exclusive access denies reads to everybody else', async () => {
    await connect({ access: 'exclusive' });
    const ch = await ControlChannel.open({ address: dev.address, timeoutMs: 200, retries: 0 });
    open.push(ch);
    await expectStatus(ch.readRegister(REG_RW), GvcpStatus.ACCESS_DENIED);
    await assert.rejects(GvcpDevice.connect({ address: dev.address, access: 'monitor' }), /ACCESS_DENIED/);
  });

  it('writes need control by default, even when nobody holds it', async () => {
    const ch = await ControlChannel.open({ address: dev.address, timeoutMs: 200, retries: 0 });
    open.push(ch);
    await expectStatus(ch.writeRegister(REG_RW, 1), GvcpStatus.ACCESS_DENIED);
    assert.equal(dev.model.registers.get(REG_RW), 0x12345678);
  });

  it('close() releases control so another application can take it', async () => {
    const first = await connect();
    await first.close();
    assert.equal(dev.server.privilege.controlled(), false);
    assert.equal(dev.model.controlLost, 1);
    const second = await connect();
    assert.equal((await second.controlHolder()).isUs, true);
  });

  it('a retransmitted command (same request id) is answered again but executed once', async () => {
    const d = await connect();
    const ch = d.channel;
    const before = await ch.readRegister(REG_COUNTER);
    // Send one READREG of the counter register twice with the same id: the device must not count twice.
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const acks: Buffer[] = [];
    raw.on('message', (m) => acks.push(m));
    await ch.writeRegister(Bootstrap.CCP, 0); // release so the raw socket may read
    const packet = encodeCommand({ command: Command.READREG, requestId: 4242, payload: encodeReadRegCommand([REG_COUNTER]) });
    raw.send(packet, 3956, dev.address);
    await new Promise((r) => setTimeout(r, 50));
    raw.send(packet, 3956, dev.address);
    await new Promise((r) => setTimeout(r, 50));
    raw.close();
    assert.equal(acks.length, 2);
    assert.deepEqual(acks[0], acks[1]);
    assert.equal(acks[0].readUInt32BE(8), before + 1);
    assert.equal(dev.server.stats().duplicates, 1);
  });

  it('survives garbage and malformed commands: clear error acks, no crash, still answering', async () => {
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const acks: Buffer[] = [];
    raw.on('message', (m) => acks.push(m));
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 300; i += 1) {
      const junk = Buffer.from(Array.from({ length: rnd() % 80 }, () => rnd() & 0xff));
      if (i % 2 === 0 && junk.length >= 8) {
        junk[0] = 0x42;
        junk[1] = 0;
      } // commands, but no ack asked
      raw.send(junk, 3956, dev.address);
    }
    const bad = [
      ['READREG with 3 payload bytes', '42010080000300010a0000', 0x8002],
      ['READMEM without count', '420100840004000200000000', 0x8002],
      ['WRITEREG with half a pair', '4201008200040003 00000a00', 0x8002],
      ['length beyond the datagram', '42010080 0040 0004 00000000', 0x800e],
      ['unknown command 0x0042', '42010042 0000 0005', 0x8001],
    ] as const;
    await new Promise((r) => setTimeout(r, 100)); // let the flood drain (it can overflow the socket buffer)
    // From a second socket: the device answers a repeated (source, request id) from its ack cache.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    probe.on('message', (m) => acks.push(m));
    for (const [, hex] of bad) probe.send(Buffer.from(hex.replace(/\s+/g, ''), 'hex'), 3956, dev.address);
    await new Promise((r) => setTimeout(r, 200));
    raw.close();
    probe.close();
    for (const [name, , status] of bad) {
      assert.ok(
        acks.some((a) => a.readUInt16BE(0) === status),
        `${name}: no ack with status 0x${status.toString(16)}`,
      );
    }
    assert.ok(dev.server.stats().malformed > 0);
    const d = await connect();
    assert.equal(await d.channel.readRegister(REG_RW), 0x12345678, 'still answering');
  });
});
