import assert from 'node:assert/strict';
import * as codec from '../../lib/gvcp/codec';
import { Ack, Command, Flag, describeStatus, GvcpStatus, commandName } from '../../lib/gvcp/protocol';
import { GvcpError } from '../../lib/gvcp/errors';
import { ipToNumber, numberToIp, prefixLength, sameSubnet } from '../../lib/gvcp/address';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function malformedError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GvcpError, `not a GvcpError: ${String(err)}`);
    assert.equal(err.code, 'GVCP_MALFORMED');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('gvcp: codecs', () => {
  describe('headers (byte-exact against hand-written packets)', () => {
    const cases: Array<{ name: string; packet: () => Buffer; bytes: string }> = [
      {
        name: 'DISCOVERY, broadcast ack allowed',
        packet: () => codec.encodeCommand({ command: Command.DISCOVERY, flags: 0x11, requestId: 0xffff }),
        bytes: '42 11 0002 0000 ffff',
      },
      {
        name: 'READREG of CCP',
        packet: () => codec.encodeCommand({ command: Command.READREG, requestId: 1, payload: codec.encodeReadRegCommand([0x0a00]) }),
        bytes: '42 01 0080 0004 0001 00000a00',
      },
      {
        name: 'WRITEREG CCP=2, heartbeat=3000',
        packet: () =>
          codec.encodeCommand({
            command: Command.WRITEREG,
            requestId: 0x1234,
            payload: codec.encodeWriteRegCommand([
              { address: 0x0a00, value: 2 },
              { address: 0x0938, value: 3000 },
            ]),
          }),
        bytes: '42 01 0082 0010 1234 00000a00 00000002 00000938 00000bb8',
      },
      {
        name: 'READMEM 536 bytes at 0x200',
        packet: () => codec.encodeCommand({ command: Command.READMEM, requestId: 7, payload: codec.encodeReadMemCommand(0x200, 536) }),
        bytes: '42 01 0084 0008 0007 00000200 0000 0218',
      },
      {
        name: 'WRITEMEM 4 bytes',
        packet: () =>
          codec.encodeCommand({ command: Command.WRITEMEM, requestId: 8, payload: codec.encodeWriteMemCommand(0xa000, hex('01020304')) }),
        bytes: '42 01 0086 0008 0008 0000a000 01020304',
      },
      {
        name: 'READREG_ACK',
        packet: () => codec.encodeAck({ answer: Ack.READREG, ackId: 1, payload: codec.encodeReadRegAck([2]) }),
        bytes: '0000 0081 0004 0001 00000002',
      },
      {
        name: 'ACCESS_DENIED ack',
        packet: () =>
          codec.encodeAck({ status: GvcpStatus.ACCESS_DENIED, answer: Ack.WRITEREG, ackId: 5, payload: codec.encodeIndexAck(0) }),
        bytes: '8006 0083 0004 0005 0000 0000',
      },
      {
        name: 'PENDING_ACK 300 ms',
        packet: () => codec.encodeAck({ answer: Ack.PENDING, ackId: 9, payload: codec.encodePendingAck(300) }),
        bytes: '0000 0089 0004 0009 0000 012c',
      },
      {
        name: 'ACTION, scheduled',
        packet: () => {
          const a = codec.encodeActionCommand(
            { deviceKey: 0x11223344, groupKey: 1, groupMask: 0xffffffff, actionTime: 0x0102030405060708n },
            false,
          );
          return codec.encodeCommand({ command: Command.ACTION, flags: a.flags, requestId: 2, payload: a.payload });
        },
        bytes: '42 80 0100 0014 0002 11223344 00000001 ffffffff 0102030405060708',
      },
      {
        name: 'ACTION, immediate with ack',
        packet: () => {
          const a = codec.encodeActionCommand({ deviceKey: 1, groupKey: 2, groupMask: 4 }, true);
          return codec.encodeCommand({ command: Command.ACTION, flags: a.flags, requestId: 3, payload: a.payload });
        },
        bytes: '42 01 0100 000c 0003 00000001 00000002 00000004',
      },
      {
        name: 'PACKETRESEND standard',
        packet: () => {
          const r = codec.encodePacketResendCommand({
            streamChannel: 0,
            blockId: 0x1234n,
            firstPacketId: 5,
            lastPacketId: 9,
            extendedIds: false,
          });
          return codec.encodeCommand({ command: Command.PACKETRESEND, flags: r.flags, requestId: 4, payload: r.payload });
        },
        bytes: '42 00 0040 000c 0004 0000 1234 00000005 00000009',
      },
      {
        name: 'PACKETRESEND extended',
        packet: () => {
          const r = codec.encodePacketResendCommand({
            streamChannel: 0,
            blockId: 0x1_0000_0001n,
            firstPacketId: 5,
            lastPacketId: 9,
            extendedIds: true,
          });
          return codec.encodeCommand({ command: Command.PACKETRESEND, flags: r.flags, requestId: 4, payload: r.payload });
        },
        bytes: '42 10 0040 0014 0004 0000 0000 00000005 00000009 0000000100000001',
      },
      {
        name: 'EVENT (standard item)',
        packet: () =>
          codec.encodeCommand({
            command: Command.EVENT,
            requestId: 6,
            payload: codec.encodeEventCommand(
              [{ eventId: 0x9001, streamChannel: 0, blockId: 0x0102n, timestamp: 0x1122334455667788n }],
              false,
            ),
          }),
        bytes: '42 01 00c0 0010 0006 0000 9001 0000 0102 1122334455667788',
      },
      {
        name: 'EVENTDATA (standard item + 4 bytes)',
        packet: () =>
          codec.encodeCommand({
            command: Command.EVENTDATA,
            requestId: 6,
            payload: codec.encodeEventDataCommand(
              { eventId: 0x9002, streamChannel: 0xffff, blockId: 0n, timestamp: 1n, data: hex('deadbeef') },
              false,
            ),
          }),
        bytes: '42 01 00c2 0014 0006 0000 9002 ffff 0000 0000000000000001 deadbeef',
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const packet = c.packet();
        assert.equal(packet.toString('hex'), hex(c.bytes).toString('hex'));
        if (packet[0] === 0x42) {
          const cmd = codec.decodeCommand(packet);
          assert.equal(cmd.payload.length, packet.length - 8);
          assert.equal(codec.encodeCommand(cmd).toString('hex'), packet.toString('hex'), 'decode → encode round trip');
        } else {
          const ack = codec.decodeAck(packet);
          assert.equal(codec.encodeAck(ack).toString('hex'), packet.toString('hex'));
        }
      });
    }
  });

  describe('payload round trips', () => {
    it('READREG/WRITEREG/READMEM/WRITEMEM', () => {
      assert.deepEqual(codec.decodeReadRegCommand(codec.encodeReadRegCommand([0, 4, 0xfffffffc])), [0, 4, 0xfffffffc]);
      assert.deepEqual(codec.decodeReadRegAck(codec.encodeReadRegAck([1, 0xffffffff]), 2), [1, 0xffffffff]);
      assert.deepEqual(codec.decodeWriteRegCommand(codec.encodeWriteRegCommand([{ address: 8, value: 0xffffffff }])), [
        { address: 8, value: 0xffffffff },
      ]);
      assert.deepEqual(codec.decodeReadMemCommand(codec.encodeReadMemCommand(0x10000000, 512)), { address: 0x10000000, count: 512 });
      const ack = codec.decodeReadMemAck(codec.encodeReadMemAck(0x200, hex('0102030405060708')), { address: 0x200, count: 8 });
      assert.deepEqual(ack.data, hex('0102030405060708'));
      assert.deepEqual(codec.decodeWriteMemCommand(codec.encodeWriteMemCommand(0x20, hex('aabbccdd'))), {
        address: 0x20,
        data: hex('aabbccdd'),
      });
      assert.equal(codec.decodeIndexAck(codec.encodeIndexAck(3)), 3);
      assert.equal(codec.decodeIndexAck(Buffer.alloc(0)), undefined, 'devices that send no index are tolerated');
      assert.equal(codec.decodePendingAck(codec.encodePendingAck(70000)), 0xffff, 'clamped to 16 bits');
    });

    it('DISCOVERY_ACK: 248 bytes with fields at their bootstrap offsets', () => {
      const info: codec.DeviceIdentityInfo = {
        specVersionMajor: 2,
        specVersionMinor: 0,
        deviceMode: 0x80000001,
        macAddress: '00:07:48:12:34:56',
        supportedIpConfiguration: 7,
        currentIpConfiguration: 5,
        ipAddress: '127.0.0.2',
        subnetMask: '255.0.0.0',
        gateway: '0.0.0.0',
        manufacturerName: 'The Imaging Source Europe GmbH',
        modelName: 'DMK 38GX541-a',
        deviceVersion: '1.0',
        manufacturerInfo: 'emulated',
        serialNumber: '12345678',
        userDefinedName: 'sixteen-chars-ok',
      };
      const p = codec.encodeDiscoveryAck(info);
      assert.equal(p.length, 248);
      assert.equal(p.readUInt16BE(0), 2);
      assert.equal(p.readUInt32BE(4), 0x80000001);
      assert.equal(p.subarray(0x0a, 0x10).toString('hex'), '000748123456');
      assert.equal(p.readUInt32BE(0x24), ipToNumber('127.0.0.2'));
      assert.equal(p.readUInt32BE(0x34), 0xff000000);
      assert.equal(p.subarray(0x48, 0x48 + 30).toString(), 'The Imaging Source Europe GmbH');
      assert.equal(p.subarray(0xe8, 0xf8).toString(), 'sixteen-chars-ok', 'a full field has no NUL');
      assert.deepEqual(codec.decodeDiscoveryAck(p), info);
    });

    it('FORCEIP, ACTION, PACKETRESEND and EVENT round trips', () => {
      const f = { macAddress: '02:00:00:00:00:07', ipAddress: '10.0.0.9', subnetMask: '255.255.255.0', gateway: '10.0.0.1' };
      const fp = codec.encodeForceIpCommand(f);
      assert.equal(fp.length, 56);
      assert.deepEqual(codec.decodeForceIpCommand(fp), f);
      const a = codec.encodeActionCommand({ deviceKey: 1, groupKey: 2, groupMask: 3, actionTime: 99n }, true);
      assert.equal(a.flags, Flag.ACK_REQUIRED | Flag.SCHEDULED_ACTION);
      assert.deepEqual(codec.decodeActionCommand(a.flags, a.payload), { deviceKey: 1, groupKey: 2, groupMask: 3, actionTime: 99n });
      const ev = [{ eventId: 0x9001, streamChannel: 0, blockId: 0xfedcba9876543210n, timestamp: 5n }];
      assert.deepEqual(codec.decodeEventCommand(codec.encodeEventCommand(ev, true), true), ev);
      const items = codec.decodeEventDataCommand(codec.encodeEventDataCommand({ ...ev[0], data: hex('0102') }, true), true);
      assert.equal(items.length, 1);
      assert.deepEqual(items[0].data, hex('0102'));
      assert.equal(items[0].blockId, 0xfedcba9876543210n);
    });
  });

  describe('malformed packets give clear errors, never crashes', () => {
    const table: Array<[string, () => unknown, RegExp]> = [
      ['empty datagram as command', () => codec.decodeCommand(Buffer.alloc(0)), /0 bytes is shorter than the 8-byte header/],
      ['7-byte ack', () => codec.decodeAck(Buffer.alloc(7)), /7 bytes is shorter than the 8-byte header/],
      ['wrong key', () => codec.decodeCommand(hex('43 01 0080 0000 0001')), /must start with key 0x42, got 0x43/],
      ['command given to the ack decoder', () => codec.decodeAck(hex('42 01 0080 0000 0001')), /it is a command, not an acknowledge/],
      [
        'length larger than the datagram',
        () => codec.decodeCommand(hex('42 01 0080 0008 0001 00000a00')),
        /declares 8 payload bytes but only 4 arrived/,
      ],
      [
        'ack length larger than datagram',
        () => codec.decodeAck(hex('0000 0081 0010 0001 00000000')),
        /declares 16 payload bytes but only 4 arrived/,
      ],
      ['READREG with 3 bytes', () => codec.decodeReadRegCommand(hex('000000')), /not a non-empty list of 4-byte addresses/],
      ['READREG empty', () => codec.decodeReadRegCommand(Buffer.alloc(0)), /not a non-empty list/],
      ['READREG_ACK too short', () => codec.decodeReadRegAck(hex('00000001'), 2), /2 register values need 8/],
      ['WRITEREG with 12 bytes', () => codec.decodeWriteRegCommand(Buffer.alloc(12)), /8-byte address\/value pairs/],
      ['READMEM short', () => codec.decodeReadMemCommand(Buffer.alloc(6)), /shorter than address/],
      [
        'READMEM_ACK wrong address',
        () => codec.decodeReadMemAck(hex('00000204 00000000'), { address: 0x200, count: 4 }),
        /echoes address 0x204 but 0x200 was read/,
      ],
      [
        'READMEM_ACK short data',
        () => codec.decodeReadMemAck(hex('00000200 0000'), { address: 0x200, count: 4 }),
        /carries 2 bytes but 4 were asked for/,
      ],
      ['WRITEMEM without address', () => codec.decodeWriteMemCommand(Buffer.alloc(2)), /lacks the 4-byte address/],
      ['PENDING_ACK short', () => codec.decodePendingAck(Buffer.alloc(2)), /PENDING_ACK payload of 2 bytes/],
      ['DISCOVERY_ACK short', () => codec.decodeDiscoveryAck(Buffer.alloc(100)), /shorter than the 248 bytes/],
      ['FORCEIP short', () => codec.decodeForceIpCommand(Buffer.alloc(40)), /shorter than 56/],
      ['ACTION scheduled without time', () => codec.decodeActionCommand(Flag.SCHEDULED_ACTION, Buffer.alloc(12)), /shorter than 20/],
      [
        'PACKETRESEND extended short',
        () => codec.decodePacketResendCommand(Flag.EXTENDED_IDS, Buffer.alloc(12)),
        /shorter than 20 \(extended ids\)/,
      ],
      ['EVENT not a multiple of 16', () => codec.decodeEventCommand(Buffer.alloc(20), false), /16-byte items/],
      [
        'EVENTDATA extended item size too big',
        () => {
          const p = Buffer.alloc(24);
          p.writeUInt16BE(100, 0);
          return codec.decodeEventDataCommand(p, true);
        },
        /declares size 100; allowed 24…24/,
      ],
      ['EVENTDATA extended item size 0', () => codec.decodeEventDataCommand(Buffer.alloc(24), true), /declares size 0/],
    ];
    for (const [name, fn, pattern] of table) it(name, () => malformedError(fn, pattern));

    it('random garbage never throws anything but GvcpError', () => {
      let seed = 12345;
      const rnd = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      const decoders = [
        (b: Buffer) => codec.decodeCommand(b),
        (b: Buffer) => codec.decodeAck(b),
        (b: Buffer) => codec.decodeDiscoveryAck(b),
        (b: Buffer) => codec.decodeEventDataCommand(b, true),
        (b: Buffer) => codec.decodeEventCommand(b, rnd() % 2 === 0),
        (b: Buffer) => codec.decodeReadRegCommand(b),
        (b: Buffer) => codec.decodeWriteRegCommand(b),
        (b: Buffer) => codec.decodeActionCommand(rnd() & 0xff, b),
      ];
      for (let i = 0; i < 3000; i += 1) {
        const b = Buffer.from(Array.from({ length: rnd() % 64 }, () => rnd() & 0xff));
        if (i % 3 === 0 && b.length >= 8) b[0] = 0x42;
        for (const d of decoders) {
          try {
            d(b);
          } catch (err) {
            assert.ok(err instanceof GvcpError, `${String(err)}`);
          }
        }
      }
    });
  });

  describe('argument checks name what is allowed', () => {
    const table: Array<[string, () => unknown, RegExp]> = [
      ['READMEM count 540', () => codec.encodeReadMemCommand(0, 540), /use a multiple of 4 from 4 to 536/],
      ['READMEM count 6', () => codec.encodeReadMemCommand(0, 6), /multiple of 4/],
      ['misaligned address', () => codec.encodeReadRegCommand([0x0a02]), /0xa02 is not a multiple of 4/],
      ['136 READREG addresses', () => codec.encodeReadRegCommand(new Array(136).fill(0)), /1…135 addresses/],
      ['68 WRITEREG pairs', () => codec.encodeWriteRegCommand(new Array(68).fill({ address: 0, value: 0 })), /1…67/],
      ['value too large', () => codec.encodeWriteRegCommand([{ address: 0, value: 2 ** 32 }]), /not a 32-bit unsigned integer/],
      ['request id 0x10000', () => codec.encodeCommand({ command: 0x80, requestId: 0x10000 }), /requestId 65536 is not a 16-bit/],
      [
        'payload over 540',
        () => codec.encodeCommand({ command: 0x86, requestId: 1, payload: Buffer.alloc(544) }),
        /exceeds the GVCP maximum of 540/,
      ],
      [
        'EVENTDATA data over 524',
        () => codec.encodeEventDataCommand({ eventId: 1, streamChannel: 0, blockId: 0n, timestamp: 0n, data: Buffer.alloc(528) }, false),
        /maximum of 524/,
      ],
    ];
    for (const [name, fn, pattern] of table) {
      it(name, () => assert.throws(fn, (e: unknown) => e instanceof GvcpError && e.code === 'GVCP_ARGUMENT' && pattern.test(e.message)));
    }
  });

  it('status descriptions and command names', () => {
    assert.equal(describeStatus(0x8006), 'ACCESS_DENIED (0x8006): another application controls this camera (or this access needs control)');
    assert.equal(describeStatus(0x8123), 'unknown status 0x8123');
    assert.equal(commandName(0x0081), 'READREG_ACK');
    assert.equal(commandName(0x0089), 'PENDING_ACK');
    assert.equal(commandName(0x0100), 'ACTION');
  });

  it('address helpers', () => {
    assert.equal(numberToIp(ipToNumber('192.168.1.200')), '192.168.1.200');
    assert.equal(prefixLength(ipToNumber('255.255.255.0')), 24);
    assert.equal(prefixLength(ipToNumber('255.0.255.0')), -1);
    assert.equal(sameSubnet('10.1.2.3', '10.1.2.200', '255.255.255.0'), true);
    assert.equal(sameSubnet('10.1.2.3', '10.1.3.3', '255.255.255.0'), false);
    assert.throws(() => ipToNumber('1.2.3'), /not an IPv4 address/);
  });
});
