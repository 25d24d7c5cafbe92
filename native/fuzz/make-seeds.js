#!/usr/bin/env node
// Writes the seed corpus of gvsp_assembler_fuzzer.cc: small, valid-looking streams in the harness's
// input format (configuration bytes + operations), from which libFuzzer mutates towards the
// corners. Usage: node native/fuzz/make-seeds.js <directory>
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const op = { datagram: 0, tick: 1, inPlace: 2, replay: 3, answer: 4, release: 5, wait: 6, discard: 7 };
const format = { leader: 1, trailer: 2, payload: 3 };
const MONO8 = 0x01080001;
const PACKET_SIZES = [1, 4, 16, 64, 536, 1464, 8964, 3];

const u16 = (v) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const u64 = (v) => [...u32(Number(BigInt(v) >> 32n)), ...u32(Number(BigInt(v) & 0xffffffffn))];

function header({ extended, block, fmt, id, status = 0, flags = 0 }) {
  if (!extended) return [...u16(status), ...u16(block), fmt, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff];
  return [...u16(status), ...u16(flags), 0x80 | fmt, 0, 0, 0, ...u64(block), ...u32(id)];
}

function imageLeader(payloadType, width, height) {
  return [0, 0, ...u16(payloadType), ...u64(123456789n), ...u32(MONO8), ...u32(width), ...u32(height), ...u32(0), ...u32(0), 0, 0, 0, 0];
}

function trailer(payloadType, sizeY, chunkLength = 0) {
  const out = [0, 0, ...u16(payloadType)];
  if (payloadType === 0x4001) return [...out, ...u32(sizeY), ...u32(chunkLength), ...u32(0)];
  if ((payloadType & 0x3fff) === 0x0004) return [...out, ...u32(chunkLength)];
  return [...out, ...u32(sizeY)];
}

/** Datagrams of one block: leader, data packets of `d` bytes, trailer. */
function block({ extended, id, d, payload, payloadType = 0x0001, width, height, chunkLength = 0 }) {
  const leaderBody = (payloadType & 0x3fff) === 0x0004 ? [0, 0, ...u16(payloadType), ...u64(1n)] : imageLeader(payloadType, width, height);
  const packets = [[...header({ extended, block: id, fmt: format.leader, id: 0 }), ...leaderBody]];
  let n = 0;
  for (let at = 0; at < payload.length; at += d) {
    n += 1;
    packets.push([...header({ extended, block: id, fmt: format.payload, id: n }), ...payload.slice(at, at + d)]);
  }
  packets.push([...header({ extended, block: id, fmt: format.trailer, id: n + 1 }), ...trailer(payloadType, height, chunkLength)]);
  return packets;
}

function config({ extended = false, resend = true, deliverIncomplete = true, inFlight = 3, buffers = 4, sizeIndex, capacity, firstWellFormedBlock = 100 }) {
  const flags = (extended ? 1 : 0) | (resend ? 2 : 0) | (deliverIncomplete ? 4 : 0) | ((inFlight - 1) << 3) | ((buffers - 1) << 5);
  return [flags, sizeIndex, ...u16(capacity - 1), ...u16(firstWellFormedBlock)];
}

const send = (datagram) => [op.datagram, ...u16(datagram.length), ...datagram];
const tick = (units) => [op.tick, ...u16(units)];
const ramp = (n, seed = 0) => Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

const seeds = {};
const d64 = PACKET_SIZES.indexOf(64);
const d16 = PACKET_SIZES.indexOf(16);

// A clean frame, standard and extended ids.
for (const extended of [false, true]) {
  const packets = block({ extended, id: 1, d: 64, payload: ramp(32 * 8), width: 32, height: 8 });
  seeds[`clean-${extended ? 'extended' : 'standard'}`] = [...config({ extended, sizeIndex: d64, capacity: 256 }), ...packets.flatMap(send), ...tick(300), op.release];
}
// Image with chunks (0x4001) and a chunk-only payload (0x0004).
{
  const chunks = [...ramp(16), ...u32(0x12345678), ...u32(16)];
  const packets = block({ extended: false, id: 7, d: 64, payload: [...ramp(16 * 4), ...chunks], payloadType: 0x4001, width: 16, height: 4, chunkLength: chunks.length });
  seeds['image-with-chunks'] = [...config({ sizeIndex: d64, capacity: 200 }), ...packets.flatMap(send), ...tick(300)];
  const only = block({ extended: true, id: 9, d: 16, payload: chunks, payloadType: 0x0004, chunkLength: chunks.length });
  seeds['chunk-only'] = [...config({ extended: true, sizeIndex: d16, capacity: 64 }), ...only.flatMap(send), ...tick(300)];
}
// A lost packet, the resend request it causes, the device's answer.
{
  const packets = block({ extended: false, id: 3, d: 64, payload: ramp(64 * 5), width: 64, height: 5 });
  const sent = packets.filter((_, i) => i !== 2);
  seeds['loss-and-resend'] = [
    ...config({ sizeIndex: d64, capacity: 320 }), ...send(packets[2]), op.discard, ...sent.flatMap(send),
    ...tick(400), op.answer, ...tick(400), op.replay, 0, 1, ...tick(5000),
  ];
}
// Payload written in place at the predicted offsets, as the receive thread's scatter does.
{
  const packets = block({ extended: false, id: 1, d: 64, payload: ramp(64 * 4), width: 64, height: 4 });
  const inPlace = [0, 1, 2, 3].flatMap(() => [op.inPlace, 0, ...u16(64), ...ramp(64, 3)]);
  seeds['in-place'] = [...config({ sizeIndex: d64, capacity: 256 }), ...send(packets[0]), ...inPlace, ...send(packets[5]), ...tick(100)];
}
// More frames than buffers while the consumer holds them; then a restart from block 1.
{
  const frames = [5, 6, 7, 8, 1, 2].flatMap((id) => block({ extended: false, id, d: 16, payload: ramp(48, id), width: 16, height: 3 }).flatMap(send));
  seeds['pool-exhausted-and-restart'] = [...config({ buffers: 2, inFlight: 2, sizeIndex: d16, capacity: 48 }), ...frames, ...tick(2000), op.release, ...tick(2000)];
}
// Out of order, duplicates, a PACKET_UNAVAILABLE answer, and time passing without ticks.
{
  const packets = block({ extended: true, id: 0x100000001n, d: 16, payload: ramp(80), width: 16, height: 5 });
  const order = [0, 3, 1, 1, 2, 5, 4, 6];
  const unavailable = header({ extended: true, block: 0x100000001n, fmt: format.payload, id: 2, status: 0x800c });
  seeds['reorder-duplicate-unavailable'] = [
    ...config({ extended: true, sizeIndex: d16, capacity: 80, deliverIncomplete: false }),
    ...order.flatMap((i) => send(packets[i])), op.wait, 200, ...send(unavailable), ...tick(3000),
  ];
}

// A leader whose width × height is far beyond any buffer (2^31 pixels of 128 bits × 2^29 lines).
{
  const leader = [...header({ extended: false, block: 1, fmt: format.leader, id: 0 }), 0, 0, ...u16(1), ...u64(0n),
    ...u32(0x01800001), ...u32(0x80000000), ...u32(0x20000000), ...u32(0), ...u32(0), 0, 0, 0, 0];
  const rest = block({ extended: false, id: 1, d: 64, payload: ramp(128), width: 64, height: 2 }).slice(1);
  seeds['huge-leader'] = [...config({ sizeIndex: d64, capacity: 128 }), ...send(leader), ...rest.flatMap(send), ...tick(100)];
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node native/fuzz/make-seeds.js <directory>');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
for (const [name, bytes] of Object.entries(seeds)) fs.writeFileSync(path.join(dir, name), Buffer.from(bytes));
console.log(`wrote ${Object.keys(seeds).length} seeds to ${dir}`);
