/**
 * What the emulated device does for each GVCP command: register and memory access (bootstrap
 * space here, manufacturer space through the model), DISCOVERY, FORCEIP, ACTION and PACKETRESEND.
 * Each handler returns the ack to send (status, answer code, payload), or null for no ack.
 */
import {
  Ack,
  Bootstrap,
  Command,
  Flag,
  GVCP_MAX_MEMORY_CHUNK,
  GVCP_MAX_READREG_ADDRESSES,
  GVCP_MAX_WRITEREG_PAIRS,
  GvcpConfiguration,
  GvcpStatus,
  StandardEvent,
} from '../../gvcp/protocol';
import {
  GvcpCommand,
  decodeActionCommand,
  decodeForceIpCommand,
  decodePacketResendCommand,
  decodeReadMemCommand,
  decodeReadRegCommand,
  decodeWriteMemCommand,
  decodeWriteRegCommand,
  encodeAck,
  encodeDiscoveryAck,
  encodeIndexAck,
  encodeReadMemAck,
  encodeReadRegAck,
} from '../../gvcp/codec';
import { isIpv4 } from '../../gvcp/address';
import { GvcpError } from '../../gvcp/errors';
import { GigeError } from '../../errors';
import { DeviceAccessError, type DeviceModel } from '../device-model';
import type { Endpoint, Privilege } from './privilege';
import type { BootstrapRegisters } from './bootstrap-registers';
import type { StreamChannel } from './stream-channel';
import type { MessageChannel } from './message-channel';
import type { ActionTable } from './actions';
import type { DeviceClock } from './clock';

/**
 * What the handlers need of the device that answers the commands (the GVCP server implements it):
 * its parts, and the few things only the server can do — send from its sockets, run a timer it
 * cancels on close, move to another address.
 */
export interface CommandDevice {
  readonly model: DeviceModel;
  readonly privilege: Pick<Privilege, 'readStatus' | 'writeStatus' | 'controlled'>;
  readonly registers: BootstrapRegisters;
  readonly stream: Pick<StreamChannel, 'resend'>;
  readonly message: Pick<MessageChannel, 'send'>;
  readonly actions: Pick<ActionTable, 'match'>;
  readonly clock: Pick<DeviceClock, 'now'>;
  readonly counters: { discoveries: number; actionsMatched: number };
  /** A problem that costs no answer (a malformed resend request, a model that threw). */
  emit(event: 'warning', err: unknown): boolean;
  replyMaybeBroadcast(packet: Buffer, to: Endpoint, allowBroadcast: boolean): void;
  later(ms: number, fn: () => void): void;
  /** Why a FORCEIP to this address is refused, or null. */
  refusesMove(ipAddress: string, subnetMask?: string): string | null;
  changeAddress(ipAddress: string, subnetMask: string, gateway: string): Promise<void>;
}

export interface Reply {
  status: number;
  answer: number;
  payload?: Buffer;
}

const MANUFACTURER = Bootstrap.MANUFACTURER_SPECIFIC;
/** Status codes a device may only send when the host enabled the 2.0 extended status codes. */
const EXTENDED_2_0 = new Set([0x8013, 0x8014, 0x8015, 0x8016, 0x8017]);
/** Bound on discovery acks waiting for their (random) delay, so a flood cannot pile up timers. */
const MAX_DELAYED_DISCOVERY_ACKS = 32;

/**
 * The ack code answering any command: command + 1, kept to the header's 16 bits so that a command
 * code of 0xFFFF still gets its (NOT_IMPLEMENTED) ack.
 */
export function ackCodeFor(command: number): number {
  return (command + 1) & 0xffff;
}

export class CommandHandlers {
  private delayedDiscoveryAcks = 0;

  constructor(private readonly server: CommandDevice) {}

  async dispatch(cmd: GvcpCommand, from: Endpoint): Promise<Reply | null> {
    try {
      switch (cmd.command) {
        case Command.READREG:
          return await this.readReg(cmd, from);
        case Command.WRITEREG:
          return await this.writeReg(cmd, from);
        case Command.READMEM:
          return await this.readMem(cmd, from);
        case Command.WRITEMEM:
          return await this.writeMem(cmd, from);
        case Command.FORCEIP:
          return await this.forceIp(cmd, from);
        case Command.ACTION:
          return this.action(cmd, from);
        default:
          return { status: GvcpStatus.NOT_IMPLEMENTED, answer: ackCodeFor(cmd.command) };
      }
    } catch (err) {
      if (err instanceof GvcpError && err.code === 'GVCP_MALFORMED') {
        return { status: GvcpStatus.INVALID_PARAMETER, answer: ackCodeFor(cmd.command) };
      }
      this.server.emit('warning', err);
      return { status: GvcpStatus.ERROR, answer: ackCodeFor(cmd.command) };
    }
  }

  // Registers ------------------------------------------------------------------------------------

  private async readWord(address: number): Promise<{ status: number; value: number }> {
    if (address < MANUFACTURER) return this.server.registers.read(address);
    const model = this.server.model;
    return this.modelCall(async () => {
      try {
        return (await model.readRegister(address)) >>> 0;
      } catch (err) {
        // A word inside the model's memory (e.g. the XML file) is readable as a register too.
        if (err instanceof DeviceAccessError && err.status === GvcpStatus.INVALID_ADDRESS)
          return (await model.readMemory(address, 4)).readUInt32BE(0);
        throw err;
      }
    });
  }

  private async writeWord(address: number, value: number, from: Endpoint): Promise<number> {
    if (address < MANUFACTURER) return this.server.registers.write(address, value, from);
    const denied = this.server.privilege.writeStatus(from);
    if (denied) return denied;
    const model = this.server.model;
    const r = await this.modelCall(async () => {
      try {
        await model.writeRegister(address, value >>> 0);
      } catch (err) {
        if (err instanceof DeviceAccessError && err.status === GvcpStatus.INVALID_ADDRESS) {
          const word = Buffer.alloc(4);
          word.writeUInt32BE(value >>> 0, 0);
          await model.writeMemory(address, word);
        } else {
          throw err;
        }
      }
      return 0;
    });
    return r.status;
  }

  /** Run a model operation; DeviceAccessError → its status, anything else → ERROR (and a warning). */
  private async modelCall<T>(fn: () => Promise<T>): Promise<{ status: number; value: T }> {
    try {
      return { status: GvcpStatus.SUCCESS, value: await fn() };
    } catch (err) {
      if (err instanceof DeviceAccessError) return { status: err.status, value: undefined as unknown as T };
      this.server.emit('warning', err);
      return { status: GvcpStatus.ERROR, value: undefined as unknown as T };
    }
  }

  private async readReg(cmd: GvcpCommand, from: Endpoint): Promise<Reply> {
    const addresses = decodeReadRegCommand(cmd.payload);
    // More values than one ack can carry (540 bytes): the command exceeds the protocol's limit.
    if (addresses.length > GVCP_MAX_READREG_ADDRESSES) return { status: GvcpStatus.INVALID_PARAMETER, answer: Ack.READREG };
    const denied = this.server.privilege.readStatus(from);
    if (denied) return { status: denied, answer: Ack.READREG };
    const values: number[] = [];
    for (const a of addresses) {
      if (a % 4 !== 0) return { status: GvcpStatus.BAD_ALIGNMENT, answer: Ack.READREG, payload: encodeReadRegAck(values) };
      const r = await this.readWord(a);
      if (r.status !== GvcpStatus.SUCCESS) return { status: r.status, answer: Ack.READREG, payload: encodeReadRegAck(values) };
      values.push(r.value);
    }
    return { status: GvcpStatus.SUCCESS, answer: Ack.READREG, payload: encodeReadRegAck(values) };
  }

  private async writeReg(cmd: GvcpCommand, from: Endpoint): Promise<Reply> {
    const writes = decodeWriteRegCommand(cmd.payload);
    // Refused before any write, so an over-long command has no half-done effect.
    if (writes.length > GVCP_MAX_WRITEREG_PAIRS)
      return { status: GvcpStatus.INVALID_PARAMETER, answer: Ack.WRITEREG, payload: encodeIndexAck(0) };
    let index = 0;
    for (const w of writes) {
      const status = w.address % 4 !== 0 ? GvcpStatus.BAD_ALIGNMENT : await this.writeWord(w.address, w.value, from);
      if (status !== GvcpStatus.SUCCESS) return { status, answer: Ack.WRITEREG, payload: encodeIndexAck(index) };
      index += 1;
    }
    return { status: GvcpStatus.SUCCESS, answer: Ack.WRITEREG, payload: encodeIndexAck(index) };
  }

  private checkMemoryRange(address: number, count: number): number {
    if (address % 4 !== 0 || count % 4 !== 0) return GvcpStatus.BAD_ALIGNMENT;
    if (count === 0 || count > GVCP_MAX_MEMORY_CHUNK) return GvcpStatus.INVALID_PARAMETER;
    if (address + count > 0x100000000) return GvcpStatus.INVALID_ADDRESS;
    return GvcpStatus.SUCCESS;
  }

  private async readMem(cmd: GvcpCommand, from: Endpoint): Promise<Reply> {
    const { address, count } = decodeReadMemCommand(cmd.payload);
    const bad = this.checkMemoryRange(address, count) || this.server.privilege.readStatus(from);
    if (bad) return { status: bad, answer: Ack.READMEM };
    const out = Buffer.alloc(count);
    const split = Math.min(address + count, Math.max(address, MANUFACTURER));
    if (split > address) {
      const r = this.server.registers.readMemory(address, split - address);
      if (r.status) return { status: r.status, answer: Ack.READMEM };
      r.data.copy(out, 0);
    }
    if (split < address + count) {
      const r = await this.readModelMemory(split, address + count - split);
      if (r.status) return { status: r.status, answer: Ack.READMEM };
      r.value.copy(out, split - address);
    }
    return { status: GvcpStatus.SUCCESS, answer: Ack.READMEM, payload: encodeReadMemAck(address, out) };
  }

  private async readModelMemory(address: number, length: number): Promise<{ status: number; value: Buffer }> {
    const model = this.server.model;
    return this.modelCall(async () => {
      try {
        const data = await model.readMemory(address, length);
        if (data.length < length)
          throw new DeviceAccessError(GvcpStatus.INVALID_ADDRESS, `model returned ${data.length} of ${length} bytes`);
        return data.subarray(0, length);
      } catch (err) {
        // Registers read through READMEM (what Aravis does for every feature): word by word.
        if (!(err instanceof DeviceAccessError) || err.status !== GvcpStatus.INVALID_ADDRESS) throw err;
        const out = Buffer.alloc(length);
        for (let o = 0; o < length; o += 4) out.writeUInt32BE((await model.readRegister(address + o)) >>> 0, o);
        return out;
      }
    });
  }

  private async writeMem(cmd: GvcpCommand, from: Endpoint): Promise<Reply> {
    const { address, data } = decodeWriteMemCommand(cmd.payload);
    const bad = this.checkMemoryRange(address, data.length);
    if (bad) return { status: bad, answer: Ack.WRITEMEM, payload: encodeIndexAck(0) };
    const split = Math.min(address + data.length, Math.max(address, MANUFACTURER));
    let written = 0;
    if (split > address) {
      const r = this.server.registers.writeMemory(address, data.subarray(0, split - address), from);
      written = r.written;
      if (r.status) return { status: r.status, answer: Ack.WRITEMEM, payload: encodeIndexAck(written) };
    }
    if (split < address + data.length) {
      const denied = this.server.privilege.writeStatus(from);
      if (denied) return { status: denied, answer: Ack.WRITEMEM, payload: encodeIndexAck(written) };
      const model = this.server.model;
      const part = data.subarray(split - address);
      const r = await this.modelCall(async () => {
        try {
          await model.writeMemory(split, part);
        } catch (err) {
          if (!(err instanceof DeviceAccessError) || err.status !== GvcpStatus.INVALID_ADDRESS) throw err;
          for (let o = 0; o < part.length; o += 4) await model.writeRegister(split + o, part.readUInt32BE(o));
        }
        return 0;
      });
      if (r.status) return { status: r.status, answer: Ack.WRITEMEM, payload: encodeIndexAck(written) };
      written = data.length;
    }
    return { status: GvcpStatus.SUCCESS, answer: Ack.WRITEMEM, payload: encodeIndexAck(written) };
  }

  // Broadcast-capable commands -------------------------------------------------------------------

  /** DISCOVERY is answered regardless of privilege, after a random delay up to register 0x0950. */
  discovery(cmd: GvcpCommand, from: Endpoint): void {
    const s = this.server;
    s.counters.discoveries += 1;
    if (!(cmd.flags & Flag.ACK_REQUIRED)) return;
    const send = (): void => {
      const packet = encodeAck({ answer: Ack.DISCOVERY, ackId: cmd.requestId, payload: encodeDiscoveryAck(s.registers.identityInfo()) });
      s.replyMaybeBroadcast(packet, from, (cmd.flags & Flag.ALLOW_BROADCAST_ACK) !== 0);
    };
    const maxDelay = s.registers.discoveryAckDelayMs;
    if (maxDelay === 0) {
      send();
      return;
    }
    if (this.delayedDiscoveryAcks >= MAX_DELAYED_DISCOVERY_ACKS) return;
    this.delayedDiscoveryAcks += 1;
    s.later(Math.floor(Math.random() * (maxDelay + 1)), () => {
      this.delayedDiscoveryAcks -= 1;
      send();
    });
  }

  packetResend(cmd: GvcpCommand, from: Endpoint): void {
    try {
      this.server.stream.resend(decodePacketResendCommand(cmd.flags, cmd.payload), from);
    } catch (err) {
      this.server.emit('warning', err);
    }
  }

  private async forceIp(cmd: GvcpCommand, from: Endpoint): Promise<Reply | null> {
    const s = this.server;
    const req = decodeForceIpCommand(cmd.payload);
    if (req.macAddress.toLowerCase() !== s.registers.identityInfo().macAddress) return null; // not for us
    if (req.ipAddress === '0.0.0.0') return null; // "restart the IP configuration cycle": no ack
    if (s.privilege.controlled()) return { status: GvcpStatus.ACCESS_DENIED, answer: Ack.FORCEIP };
    if (!isIpv4(req.ipAddress) || !isIpv4(req.subnetMask)) return { status: GvcpStatus.INVALID_PARAMETER, answer: Ack.FORCEIP };
    const refused = s.refusesMove(req.ipAddress, req.subnetMask);
    if (refused) {
      s.emit('warning', new GigeError('EMULATOR_ADDRESS', `FORCEIP to ${req.ipAddress} refused: ${refused}`, {}));
      return { status: GvcpStatus.INVALID_PARAMETER, answer: Ack.FORCEIP };
    }
    try {
      await s.changeAddress(req.ipAddress, req.subnetMask, req.gateway);
    } catch (err) {
      s.emit('warning', err);
      return { status: GvcpStatus.ERROR, answer: Ack.FORCEIP };
    }
    // The ack leaves from the new address; broadcast when the host is not on the new subnet.
    if (cmd.flags & Flag.ACK_REQUIRED) {
      s.replyMaybeBroadcast(encodeAck({ answer: Ack.FORCEIP, ackId: cmd.requestId }), from, (cmd.flags & Flag.ALLOW_BROADCAST_ACK) !== 0);
    }
    return null;
  }

  private action(cmd: GvcpCommand, _from: Endpoint): Reply | null {
    const s = this.server;
    const action = decodeActionCommand(cmd.flags, cmd.payload);
    const unconditional = (s.registers.gvcpConfiguration & GvcpConfiguration.UNCONDITIONAL_ACTION) !== 0;
    if (!s.privilege.controlled() && !unconditional) return null; // actions need an open control channel by default
    const signals = s.actions.match(action);
    if (signals.length === 0) return null; // not addressed to this device: stay silent
    s.counters.actionsMatched += 1;
    let status: number = GvcpStatus.SUCCESS;
    try {
      status = s.model.onAction({ signals, scheduledTime: action.actionTime });
    } catch (err) {
      s.emit('warning', err);
      status = GvcpStatus.ERROR;
    }
    if (status === GvcpStatus.ACTION_LATE) {
      s.message.send({ eventId: StandardEvent.ACTION_LATE, streamChannel: 0xffff, blockId: 0n, timestamp: s.clock.now() });
    }
    if (EXTENDED_2_0.has(status) && !(s.registers.gvcpConfiguration & GvcpConfiguration.EXTENDED_STATUS_CODES_2_0)) {
      status = GvcpStatus.ERROR; // the host did not enable the 2.0 codes
    }
    return { status, answer: Ack.ACTION };
  }
}
