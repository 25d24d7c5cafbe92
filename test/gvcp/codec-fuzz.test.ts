import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import * as codec from '../../lib/gvcp/codec';
import {
  BootstrapStringLength,
  Flag,
  GVCP_MAX_EVENTDATA_BYTES,
  GVCP_MAX_MEMORY_CHUNK,
  GVCP_MAX_PAYLOAD,
  GVCP_MAX_READREG_ADDRESSES,
  GVCP_MAX_WRITEREG_PAIRS,
} from '../../lib/gvcp/protocol';
import { GvcpError } from '../../lib/gvcp/errors';
import { GigeError } from '../../lib/errors';
import { caught, fuzzIt } from '../support/fuzz';

/*
 * Property-based fuzzing of the GVCP codecs (shared by the client and the emulated device):
 * every encoder's output decodes to what went in, and every decoder given arbitrary bytes either
 * returns something consistent with those bytes or throws a GvcpError GVCP_MALFORMED — never a
 * RangeError from a read past the end, never a TypeError.
 */

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const aligned = fc.integer({ min: 0, max: 0x3fffffff }).map((a) => a * 4);
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
/** Lengths around the interesting sizes (item sizes, header sizes, the maximum payload). */
const anyPacket = fc.oneof(
  bytes(32),
  bytes(600),
  fc.constantFrom(...[0, 1, 7, 8, 9, 12, 16, 20, 24, 28, 248, 540, 548].map((n) => Buffer.alloc(n, 0xa5))),
);

/** The decoder returned, or threw the one error a malformed datagram may cause. */
function malformedOrValue(work: () => unknown): void {
  const err = caught(work);
  if (err === undefined) return;
  assert.ok(err instanceof GvcpError && err instanceof GigeError, `threw ${inspect(err)}`);
  assert.equal(err.code, 'GVCP_MALFORMED', err.message);
  assert.ok(err.message.length < 300, `a ${err.message.length}-character message`);
}

function isViewInside(view: Buffer, of: Buffer): boolean {
  return view.buffer === of.buffer && view.byteOffset >= of.byteOffset && view.byteOffset + view.length <= of.byteOffset + of.length;
}

describe('gvcp: codec fuzzing (fast-check)', () => {
  describe('round trips', () => {
    fuzzIt('command header: decode(encode(c)) is c, encode(decode(p)) is p', 2000, () =>
      fc.property(u16, u8, u16, bytes(GVCP_MAX_PAYLOAD), (command, flags, requestId, payload) => {
        const packet = codec.encodeCommand({ command, flags, requestId, payload });
        assert.ok(codec.isCommandPacket(packet));
        const decoded = codec.decodeCommand(packet);
        assert.deepEqual({ ...decoded, payload: Buffer.from(decoded.payload) }, { command, flags, requestId, payload });
        assert.deepEqual(codec.encodeCommand(decoded), packet);
      }),
    );

    fuzzIt('ack header round trip (any status whose first byte is not the command key)', 2000, () =>
      fc.property(
        u16.filter((s) => s >> 8 !== 0x42),
        u16,
        u16,
        bytes(GVCP_MAX_PAYLOAD),
        (status, answer, ackId, payload) => {
          const packet = codec.encodeAck({ status, answer, ackId, payload });
          assert.ok(!codec.isCommandPacket(packet));
          const decoded = codec.decodeAck(packet);
          assert.deepEqual({ ...decoded, payload: Buffer.from(decoded.payload) }, { status, answer, ackId, payload });
          assert.deepEqual(codec.encodeAck(decoded), packet);
        },
      ),
    );

    fuzzIt('READREG, WRITEREG, READMEM, WRITEMEM, PENDING and index payloads', 1500, () =>
      fc.property(
        fc.array(aligned, { minLength: 1, maxLength: GVCP_MAX_READREG_ADDRESSES }),
        fc.array(u32, { maxLength: GVCP_MAX_READREG_ADDRESSES }),
        fc.array(fc.record({ address: aligned, value: u32 }, { noNullPrototype: true }), {
          minLength: 1,
          maxLength: GVCP_MAX_WRITEREG_PAIRS,
        }),
        aligned,
        fc.integer({ min: 1, max: GVCP_MAX_MEMORY_CHUNK / 4 }).map((n) => n * 4),
        u16,
        (addresses, values, writes, address, count, u) => {
          assert.deepEqual(codec.decodeReadRegCommand(codec.encodeReadRegCommand(addresses)), addresses);
          assert.deepEqual(codec.decodeReadRegAck(codec.encodeReadRegAck(values), values.length), values);
          assert.deepEqual(codec.decodeWriteRegCommand(codec.encodeWriteRegCommand(writes)), writes);
          assert.deepEqual(codec.decodeReadMemCommand(codec.encodeReadMemCommand(address, count)), { address, count });
          const data = Buffer.alloc(count, count & 0xff);
          assert.deepEqual(codec.decodeReadMemAck(codec.encodeReadMemAck(address, data), { address, count }), { address, data });
          assert.deepEqual(codec.decodeWriteMemCommand(codec.encodeWriteMemCommand(address, data)), { address, data });
          assert.equal(codec.decodePendingAck(codec.encodePendingAck(u)), u);
          assert.equal(codec.decodeIndexAck(codec.encodeIndexAck(u)), u);
        },
      ),
    );

    fuzzIt('PACKETRESEND with standard and extended ids', 2000, () =>
      fc.property(u16, u64, u32, u32, fc.boolean(), (streamChannel, blockId, first, last, extendedIds) => {
        const request = extendedIds
          ? { streamChannel, blockId, firstPacketId: first, lastPacketId: last, extendedIds }
          : { streamChannel, blockId: blockId & 0xffffn, firstPacketId: first & 0xffffff, lastPacketId: last & 0xffffff, extendedIds };
        const { flags, payload } = codec.encodePacketResendCommand(request);
        assert.equal((flags & Flag.EXTENDED_IDS) !== 0, extendedIds);
        assert.deepEqual(codec.decodePacketResendCommand(flags, payload), request);
      }),
    );

    fuzzIt('ACTION, immediate and scheduled', 2000, () =>
      fc.property(u32, u32, u32, fc.option(u64, { nil: undefined }), fc.boolean(), (deviceKey, groupKey, groupMask, actionTime, ack) => {
        const action = { deviceKey, groupKey, groupMask, actionTime };
        const { flags, payload } = codec.encodeActionCommand(action, ack);
        assert.equal((flags & Flag.ACK_REQUIRED) !== 0, ack);
        assert.deepEqual(codec.decodeActionCommand(flags, payload), action);
      }),
    );

    const eventItem = (extendedIds: boolean, maxData: number) =>
      fc.record(
        {
          eventId: u16,
          streamChannel: u16,
          blockId: extendedIds ? u64 : u16.map(BigInt),
          timestamp: u64,
          data: bytes(maxData),
        },
        { noNullPrototype: true },
      );
    const eventItems = fc
      .boolean()
      .chain((extendedIds) =>
        fc
          .array(eventItem(extendedIds, 0), { minLength: 1, maxLength: Math.floor(GVCP_MAX_PAYLOAD / (extendedIds ? 24 : 16)) })
          .map((items) => ({ extendedIds, items: items.map(({ data: _data, ...item }) => item) })),
      );
    fuzzIt('EVENT items, standard and extended', 1500, () =>
      fc.property(eventItems, ({ extendedIds, items }) => {
        assert.deepEqual(codec.decodeEventCommand(codec.encodeEventCommand(items, extendedIds), extendedIds), items);
      }),
    );

    fuzzIt('EVENTDATA: one item (standard), several concatenated (extended)', 1500, () =>
      fc.property(
        eventItem(false, GVCP_MAX_EVENTDATA_BYTES),
        fc.array(eventItem(true, 60), { minLength: 1, maxLength: 6 }),
        (standard, extended) => {
          const one = codec.decodeEventDataCommand(codec.encodeEventDataCommand(standard, false), false);
          assert.deepEqual(
            one.map((i) => ({ ...i, data: Buffer.from(i.data!) })),
            [standard],
          );
          const payload = Buffer.concat(extended.map((item) => codec.encodeEventDataCommand(item, true)));
          const many = codec.decodeEventDataCommand(payload, true);
          assert.deepEqual(
            many.map((i) => ({ ...i, data: Buffer.from(i.data!) })),
            extended,
          );
        },
      ),
    );

    const ip = u32.map((n) => `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`);
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => [...a].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    /** Field text without NUL (which ends a field); longer than the field it is cut at a character boundary. */
    const text = fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/\0/g, ''));
    fuzzIt('DISCOVERY ack and FORCEIP: addresses exact, strings exact when they fit, a clean prefix when not', 1500, () =>
      fc.property(
        fc.record(
          {
            specVersionMajor: u16,
            specVersionMinor: u16,
            deviceMode: u32,
            macAddress: mac,
            supportedIpConfiguration: u32,
            currentIpConfiguration: u32,
            ipAddress: ip,
            subnetMask: ip,
            gateway: ip,
            manufacturerName: text,
            modelName: text,
            deviceVersion: text,
            manufacturerInfo: text,
            serialNumber: text,
            userDefinedName: text,
          },
          { noNullPrototype: true },
        ),
        (info) => {
          const decoded = codec.decodeDiscoveryAck(codec.encodeDiscoveryAck(info));
          for (const key of Object.keys(info) as (keyof typeof info)[]) {
            const fieldLength = (BootstrapStringLength as Record<string, number>)[key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()];
            if (fieldLength === undefined || Buffer.byteLength(info[key] as string) <= fieldLength) {
              assert.equal(decoded[key], info[key], key);
            } else {
              assert.ok((info[key] as string).startsWith(decoded[key] as string), `${key}: ${decoded[key]} is not a prefix`);
              assert.ok(Buffer.byteLength(decoded[key] as string) <= fieldLength);
            }
          }
          const force = { macAddress: info.macAddress, ipAddress: info.ipAddress, subnetMask: info.subnetMask, gateway: info.gateway };
          assert.deepEqual(codec.decodeForceIpCommand(codec.encodeForceIpCommand(force)), force);
        },
      ),
    );
  });

  describe('decoders on arbitrary bytes: a value consistent with the bytes, or GVCP_MALFORMED', () => {
    fuzzIt('decodeCommand / decodeAck', 2000, () =>
      fc.property(anyPacket, (packet) => {
        for (const decode of [codec.decodeCommand, codec.decodeAck]) {
          malformedOrValue(() => {
            const out = decode(packet);
            assert.equal(out.payload.length, packet.readUInt16BE(4), 'payload is exactly the declared length');
            assert.ok(isViewInside(out.payload, packet), 'payload is a view inside the datagram');
          });
        }
      }),
    );

    fuzzIt('every payload decoder, with any flags and expectations', 1000, () =>
      fc.property(
        anyPacket,
        u8,
        fc.integer({ min: 0, max: 200 }),
        aligned,
        fc.integer({ min: 0, max: 600 }),
        (payload, flags, expected, address, count) => {
          const extended = (flags & Flag.EXTENDED_IDS) !== 0;
          malformedOrValue(() => assert.ok(codec.decodeReadRegCommand(payload).length * 4 === payload.length));
          malformedOrValue(() => assert.equal(codec.decodeReadRegAck(payload, expected).length, expected));
          malformedOrValue(() => assert.ok(codec.decodeWriteRegCommand(payload).length * 8 === payload.length));
          malformedOrValue(() => codec.decodeReadMemCommand(payload));
          malformedOrValue(() => codec.decodeReadMemAck(payload));
          malformedOrValue(() => assert.equal(codec.decodeReadMemAck(payload, { address, count }).data.length, count));
          malformedOrValue(() => assert.ok(isViewInside(codec.decodeWriteMemCommand(payload).data, payload)));
          malformedOrValue(() => codec.decodePendingAck(payload));
          malformedOrValue(() => codec.decodeIndexAck(payload));
          malformedOrValue(() => codec.decodePacketResendCommand(flags, payload));
          malformedOrValue(() => codec.decodeActionCommand(flags, payload));
          malformedOrValue(() => codec.decodeDiscoveryAck(payload));
          malformedOrValue(() => codec.decodeForceIpCommand(payload));
          malformedOrValue(() => codec.decodeEventCommand(payload, extended));
          malformedOrValue(() => {
            for (const item of codec.decodeEventDataCommand(payload, extended))
              assert.ok(isViewInside(item.data!, payload) || item.data!.length === 0);
          });
        },
      ),
    );

    fuzzIt('a valid datagram with bytes flipped, cut or appended still decodes or is GVCP_MALFORMED', 2000, () =>
      fc.property(
        u16,
        u16,
        bytes(64),
        fc.array(fc.tuple(fc.nat(), u8)),
        fc.integer({ min: -16, max: 16 }),
        (command, requestId, payload, flips, lengthChange) => {
          const packet = Buffer.from(codec.encodeCommand({ command, requestId, payload }));
          for (const [at, value] of flips) packet[at % packet.length] = value;
          const mutated =
            lengthChange < 0
              ? packet.subarray(0, Math.max(0, packet.length + lengthChange))
              : Buffer.concat([packet, Buffer.alloc(lengthChange, 0x5a)]);
          malformedOrValue(() => codec.decodeCommand(mutated));
          malformedOrValue(() => codec.decodeAck(mutated));
          malformedOrValue(() => codec.decodeEventDataCommand(mutated.subarray(8), true));
        },
      ),
    );
  });

  describe('encoders refuse what the protocol cannot carry with GVCP_ARGUMENT', () => {
    const outOfRange16 = fc.oneof(
      fc.integer({ min: 0x10000, max: 2 ** 40 }),
      fc.integer({ min: -(2 ** 40), max: -1 }),
      fc.double({ noInteger: true }),
    );
    fuzzIt('header fields beyond 16 bits, oversized payloads', 1000, () =>
      fc.property(outOfRange16, fc.integer({ min: 0, max: 4 }), (bad, which) => {
        const fields = { command: 0x80, requestId: 1, status: 0, answer: 0x81, ackId: 1 };
        const key = (['command', 'requestId', 'status', 'answer', 'ackId'] as const)[which];
        const withBad = { ...fields, [key]: bad };
        const err = caught(() => (key === 'command' || key === 'requestId' ? codec.encodeCommand(withBad) : codec.encodeAck(withBad)));
        assert.ok(err instanceof GvcpError && err.code === 'GVCP_ARGUMENT', `${key} = ${bad}: ${(err as Error)?.stack ?? 'accepted'}`);
        const big = Buffer.alloc(GVCP_MAX_PAYLOAD + 1 + which * 97);
        for (const encode of [
          () => codec.encodeCommand({ command: 0x80, requestId: 1, payload: big }),
          () => codec.encodeAck({ answer: 0x81, ackId: 1, payload: big }),
        ]) {
          const tooBig = caught(encode);
          assert.ok(tooBig instanceof GvcpError && tooBig.code === 'GVCP_ARGUMENT');
        }
      }),
    );
  });
});
