/**
 * GVCP packet codecs, shared by the client and the emulated device. Every decoder checks lengths
 * before reading and throws `GvcpError('GVCP_MALFORMED')` naming what was wrong, so a malformed
 * datagram becomes an error a caller can log, never an out-of-bounds read or a crash.
 *
 * Encoders take plain values and return the datagram (commands/acks) or the payload (per-command
 * codecs), big-endian as GigE Vision requires.
 */
import {
  Command,
  Flag,
  GVCP_HEADER_SIZE,
  GVCP_KEY,
  GVCP_MAX_MEMORY_CHUNK,
  GVCP_MAX_PAYLOAD,
  GVCP_MAX_READREG_ADDRESSES,
  GVCP_MAX_WRITEREG_PAIRS,
  commandName,
} from './protocol';
import { badArgument, malformed } from './errors';

export * from './codec-discovery';
export * from './codec-event';
export * from './codec-action';

export interface GvcpCommand {
  flags: number;
  command: number;
  requestId: number;
  payload: Buffer;
}

export interface GvcpAck {
  status: number;
  answer: number;
  ackId: number;
  payload: Buffer;
}

/** True when the datagram starts with the command key 0x42 (acks start with a status byte). */
export function isCommandPacket(packet: Buffer): boolean {
  return packet.length >= 1 && packet[0] === GVCP_KEY;
}

function checkPayloadSize(payload: Buffer, what: string): void {
  if (payload.length > GVCP_MAX_PAYLOAD) {
    throw badArgument(`${what}: payload of ${payload.length} bytes exceeds the GVCP maximum of ${GVCP_MAX_PAYLOAD}`, {
      length: payload.length,
    });
  }
}

function check16(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw badArgument(`${name} ${value} is not a 16-bit unsigned integer (0…65535)`, { [name]: value });
  }
}

export function encodeCommand(cmd: { command: number; flags?: number; requestId: number; payload?: Buffer }): Buffer {
  const payload = cmd.payload ?? Buffer.alloc(0);
  checkPayloadSize(payload, commandName(cmd.command));
  check16(cmd.requestId, 'requestId');
  check16(cmd.command, 'command');
  const packet = Buffer.alloc(GVCP_HEADER_SIZE + payload.length);
  packet[0] = GVCP_KEY;
  packet[1] = (cmd.flags ?? Flag.ACK_REQUIRED) & 0xff;
  packet.writeUInt16BE(cmd.command, 2);
  packet.writeUInt16BE(payload.length, 4);
  packet.writeUInt16BE(cmd.requestId, 6);
  payload.copy(packet, GVCP_HEADER_SIZE);
  return packet;
}

export function decodeCommand(packet: Buffer): GvcpCommand {
  if (packet.length < GVCP_HEADER_SIZE) {
    throw malformed(`GVCP command of ${packet.length} bytes is shorter than the 8-byte header`, { length: packet.length });
  }
  if (packet[0] !== GVCP_KEY) {
    throw malformed(`GVCP command must start with key 0x42, got 0x${packet[0].toString(16).padStart(2, '0')}`, {
      key: packet[0],
    });
  }
  const length = packet.readUInt16BE(4);
  if (length > packet.length - GVCP_HEADER_SIZE) {
    throw malformed(
      `GVCP ${commandName(packet.readUInt16BE(2))} header declares ${length} payload bytes but only ${packet.length - GVCP_HEADER_SIZE} arrived`,
      { declared: length, received: packet.length - GVCP_HEADER_SIZE },
    );
  }
  return {
    flags: packet[1],
    command: packet.readUInt16BE(2),
    requestId: packet.readUInt16BE(6),
    payload: packet.subarray(GVCP_HEADER_SIZE, GVCP_HEADER_SIZE + length),
  };
}

export function encodeAck(ack: { status?: number; answer: number; ackId: number; payload?: Buffer }): Buffer {
  const payload = ack.payload ?? Buffer.alloc(0);
  check16(ack.status ?? 0, 'status');
  check16(ack.answer, 'answer');
  check16(ack.ackId, 'ackId');
  checkPayloadSize(payload, commandName(ack.answer));
  const packet = Buffer.alloc(GVCP_HEADER_SIZE + payload.length);
  packet.writeUInt16BE(ack.status ?? 0, 0);
  packet.writeUInt16BE(ack.answer, 2);
  packet.writeUInt16BE(payload.length, 4);
  packet.writeUInt16BE(ack.ackId, 6);
  payload.copy(packet, GVCP_HEADER_SIZE);
  return packet;
}

export function decodeAck(packet: Buffer): GvcpAck {
  if (packet.length < GVCP_HEADER_SIZE) {
    throw malformed(`GVCP acknowledge of ${packet.length} bytes is shorter than the 8-byte header`, { length: packet.length });
  }
  if (packet[0] === GVCP_KEY) {
    throw malformed('datagram starts with the command key 0x42: it is a command, not an acknowledge', {});
  }
  const length = packet.readUInt16BE(4);
  if (length > packet.length - GVCP_HEADER_SIZE) {
    throw malformed(
      `GVCP ${commandName(packet.readUInt16BE(2))} declares ${length} payload bytes but only ${packet.length - GVCP_HEADER_SIZE} arrived`,
      { declared: length, received: packet.length - GVCP_HEADER_SIZE },
    );
  }
  return {
    status: packet.readUInt16BE(0),
    answer: packet.readUInt16BE(2),
    ackId: packet.readUInt16BE(6),
    payload: packet.subarray(GVCP_HEADER_SIZE, GVCP_HEADER_SIZE + length),
  };
}

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw badArgument(`address ${address} is not a 32-bit unsigned integer`, { address });
  }
  if (address % 4 !== 0) {
    throw badArgument(`address 0x${address.toString(16)} is not a multiple of 4; GVCP registers are 32-bit aligned`, {
      address,
    });
  }
}

function checkValue(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw badArgument(`register value ${value} is not a 32-bit unsigned integer (0…4294967295)`, { value });
  }
}

// READREG ---------------------------------------------------------------------------------------

export function encodeReadRegCommand(addresses: readonly number[]): Buffer {
  if (addresses.length < 1 || addresses.length > GVCP_MAX_READREG_ADDRESSES) {
    throw badArgument(`READREG takes 1…${GVCP_MAX_READREG_ADDRESSES} addresses, got ${addresses.length}`, {
      count: addresses.length,
    });
  }
  const payload = Buffer.alloc(addresses.length * 4);
  addresses.forEach((a, i) => {
    checkAddress(a);
    payload.writeUInt32BE(a, i * 4);
  });
  return payload;
}

export function decodeReadRegCommand(payload: Buffer): number[] {
  if (payload.length === 0 || payload.length % 4 !== 0) {
    throw malformed(`READREG payload of ${payload.length} bytes is not a non-empty list of 4-byte addresses`, {
      length: payload.length,
    });
  }
  const out: number[] = [];
  for (let o = 0; o < payload.length; o += 4) out.push(payload.readUInt32BE(o));
  return out;
}

export function encodeReadRegAck(values: readonly number[]): Buffer {
  const payload = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => payload.writeUInt32BE(v >>> 0, i * 4));
  return payload;
}

export function decodeReadRegAck(payload: Buffer, expected: number): number[] {
  if (payload.length < expected * 4) {
    throw malformed(`READREG_ACK carries ${payload.length} bytes; ${expected} register values need ${expected * 4}`, {
      length: payload.length,
      expected,
    });
  }
  const out: number[] = [];
  for (let i = 0; i < expected; i += 1) out.push(payload.readUInt32BE(i * 4));
  return out;
}

// WRITEREG --------------------------------------------------------------------------------------

export interface RegisterWrite {
  address: number;
  value: number;
}

export function encodeWriteRegCommand(writes: readonly RegisterWrite[]): Buffer {
  if (writes.length < 1 || writes.length > GVCP_MAX_WRITEREG_PAIRS) {
    throw badArgument(`WRITEREG takes 1…${GVCP_MAX_WRITEREG_PAIRS} address/value pairs, got ${writes.length}`, {
      count: writes.length,
    });
  }
  const payload = Buffer.alloc(writes.length * 8);
  writes.forEach((w, i) => {
    checkAddress(w.address);
    checkValue(w.value);
    payload.writeUInt32BE(w.address, i * 8);
    payload.writeUInt32BE(w.value, i * 8 + 4);
  });
  return payload;
}

export function decodeWriteRegCommand(payload: Buffer): RegisterWrite[] {
  if (payload.length === 0 || payload.length % 8 !== 0) {
    throw malformed(`WRITEREG payload of ${payload.length} bytes is not a non-empty list of 8-byte address/value pairs`, {
      length: payload.length,
    });
  }
  const out: RegisterWrite[] = [];
  for (let o = 0; o < payload.length; o += 8) out.push({ address: payload.readUInt32BE(o), value: payload.readUInt32BE(o + 4) });
  return out;
}

/** WRITEREG_ACK and WRITEMEM_ACK: reserved (2) + index (2). */
export function encodeIndexAck(index: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(index & 0xffff, 2);
  return payload;
}

/** The index of a WRITEREG/WRITEMEM ack, or undefined when the device sent no payload (tolerated). */
export function decodeIndexAck(payload: Buffer): number | undefined {
  return payload.length >= 4 ? payload.readUInt16BE(2) : undefined;
}

// READMEM / WRITEMEM ----------------------------------------------------------------------------

export interface MemoryRead {
  address: number;
  count: number;
}

export function encodeReadMemCommand(address: number, count: number): Buffer {
  checkAddress(address);
  if (!Number.isInteger(count) || count < 4 || count > GVCP_MAX_MEMORY_CHUNK || count % 4 !== 0) {
    throw badArgument(`READMEM count ${count} is not allowed; use a multiple of 4 from 4 to ${GVCP_MAX_MEMORY_CHUNK}`, {
      count,
    });
  }
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(address, 0);
  payload.writeUInt16BE(count, 6);
  return payload;
}

export function decodeReadMemCommand(payload: Buffer): MemoryRead {
  if (payload.length < 8) {
    throw malformed(`READMEM payload of ${payload.length} bytes is shorter than address (4) + reserved (2) + count (2)`, {
      length: payload.length,
    });
  }
  return { address: payload.readUInt32BE(0), count: payload.readUInt16BE(6) };
}

export function encodeReadMemAck(address: number, data: Buffer): Buffer {
  const payload = Buffer.alloc(4 + data.length);
  payload.writeUInt32BE(address >>> 0, 0);
  data.copy(payload, 4);
  return payload;
}

export function decodeReadMemAck(payload: Buffer, expected?: MemoryRead): { address: number; data: Buffer } {
  if (payload.length < 4) {
    throw malformed(`READMEM_ACK payload of ${payload.length} bytes lacks the 4-byte address`, { length: payload.length });
  }
  const address = payload.readUInt32BE(0);
  const data = payload.subarray(4);
  if (expected) {
    if (address !== expected.address) {
      throw malformed(`READMEM_ACK echoes address 0x${address.toString(16)} but 0x${expected.address.toString(16)} was read`, {
        address,
        expected: expected.address,
      });
    }
    if (data.length < expected.count) {
      throw malformed(`READMEM_ACK carries ${data.length} bytes but ${expected.count} were asked for`, {
        received: data.length,
        expected: expected.count,
      });
    }
    return { address, data: data.subarray(0, expected.count) };
  }
  return { address, data };
}

export function encodeWriteMemCommand(address: number, data: Buffer): Buffer {
  checkAddress(address);
  if (data.length < 4 || data.length > GVCP_MAX_MEMORY_CHUNK || data.length % 4 !== 0) {
    throw badArgument(`WRITEMEM of ${data.length} bytes is not allowed; use a multiple of 4 from 4 to ${GVCP_MAX_MEMORY_CHUNK}`, {
      length: data.length,
    });
  }
  const payload = Buffer.alloc(4 + data.length);
  payload.writeUInt32BE(address, 0);
  data.copy(payload, 4);
  return payload;
}

export function decodeWriteMemCommand(payload: Buffer): { address: number; data: Buffer } {
  if (payload.length < 4) {
    throw malformed(`WRITEMEM payload of ${payload.length} bytes lacks the 4-byte address`, { length: payload.length });
  }
  return { address: payload.readUInt32BE(0), data: payload.subarray(4) };
}

// PENDING_ACK -----------------------------------------------------------------------------------

export function encodePendingAck(timeToCompletionMs: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.round(timeToCompletionMs))), 2);
  return payload;
}

export function decodePendingAck(payload: Buffer): number {
  if (payload.length < 4) {
    throw malformed(`PENDING_ACK payload of ${payload.length} bytes lacks reserved (2) + time to completion (2)`, {
      length: payload.length,
    });
  }
  return payload.readUInt16BE(2);
}

/** Commands a host may send to a device (for dispatch tables and tests). */
export const HOST_COMMANDS: readonly number[] = [
  Command.DISCOVERY,
  Command.FORCEIP,
  Command.PACKETRESEND,
  Command.READREG,
  Command.WRITEREG,
  Command.READMEM,
  Command.WRITEMEM,
  Command.ACTION,
];
