/**
 * PACKETRESEND_CMD (§4.8) and ACTION_CMD (§7) payloads.
 */
import { Flag } from './protocol';
import { badArgument, malformed } from './errors';

// PACKETRESEND ----------------------------------------------------------------------------------

export interface PacketResendRequest {
  streamChannel: number;
  blockId: bigint;
  firstPacketId: number;
  lastPacketId: number;
  extendedIds: boolean;
}

export function encodePacketResendCommand(req: PacketResendRequest): { flags: number; payload: Buffer } {
  if (req.extendedIds) {
    const payload = Buffer.alloc(20);
    payload.writeUInt16BE(req.streamChannel, 0);
    payload.writeUInt32BE(req.firstPacketId >>> 0, 4);
    payload.writeUInt32BE(req.lastPacketId >>> 0, 8);
    payload.writeBigUInt64BE(req.blockId, 12);
    return { flags: Flag.EXTENDED_IDS, payload };
  }
  const payload = Buffer.alloc(12);
  payload.writeUInt16BE(req.streamChannel, 0);
  payload.writeUInt16BE(Number(req.blockId & 0xffffn), 2);
  payload.writeUInt32BE(req.firstPacketId & 0xffffff, 4);
  payload.writeUInt32BE(req.lastPacketId & 0xffffff, 8);
  return { flags: 0, payload };
}

export function decodePacketResendCommand(flags: number, payload: Buffer): PacketResendRequest {
  const extendedIds = (flags & Flag.EXTENDED_IDS) !== 0;
  const need = extendedIds ? 20 : 12;
  if (payload.length < need) {
    throw malformed(
      `PACKETRESEND payload of ${payload.length} bytes is shorter than ${need} (${extendedIds ? 'extended' : 'standard'} ids)`,
      {
        length: payload.length,
      },
    );
  }
  if (extendedIds) {
    return {
      streamChannel: payload.readUInt16BE(0),
      firstPacketId: payload.readUInt32BE(4),
      lastPacketId: payload.readUInt32BE(8),
      blockId: payload.readBigUInt64BE(12),
      extendedIds,
    };
  }
  return {
    streamChannel: payload.readUInt16BE(0),
    blockId: BigInt(payload.readUInt16BE(2)),
    firstPacketId: payload.readUInt32BE(4) & 0xffffff,
    lastPacketId: payload.readUInt32BE(8) & 0xffffff,
    extendedIds,
  };
}

// ACTION ----------------------------------------------------------------------------------------

export interface ActionCommand {
  deviceKey: number;
  groupKey: number;
  groupMask: number;
  /** Device time (ns with PTP) at which to act; absent → act now. */
  actionTime?: bigint;
}

export function encodeActionCommand(action: ActionCommand, ackRequired: boolean): { flags: number; payload: Buffer } {
  for (const [name, v] of [
    ['deviceKey', action.deviceKey],
    ['groupKey', action.groupKey],
    ['groupMask', action.groupMask],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw badArgument(`ACTION ${name} ${v} is not a 32-bit unsigned integer`, { [name]: v });
    }
  }
  const scheduled = action.actionTime !== undefined;
  if (scheduled && (action.actionTime! < 0n || action.actionTime! > 0xffffffffffffffffn)) {
    throw badArgument(`ACTION actionTime ${action.actionTime} is not a 64-bit unsigned integer`, {});
  }
  const payload = Buffer.alloc(scheduled ? 20 : 12);
  payload.writeUInt32BE(action.deviceKey, 0);
  payload.writeUInt32BE(action.groupKey, 4);
  payload.writeUInt32BE(action.groupMask, 8);
  if (scheduled) payload.writeBigUInt64BE(action.actionTime!, 12);
  const flags = (ackRequired ? Flag.ACK_REQUIRED : 0) | (scheduled ? Flag.SCHEDULED_ACTION : 0);
  return { flags, payload };
}

export function decodeActionCommand(flags: number, payload: Buffer): ActionCommand {
  const scheduled = (flags & Flag.SCHEDULED_ACTION) !== 0;
  const need = scheduled ? 20 : 12;
  if (payload.length < need) {
    throw malformed(
      `ACTION payload of ${payload.length} bytes is shorter than ${need}${scheduled ? ' (scheduled: keys + 8-byte time)' : ''}`,
      {
        length: payload.length,
      },
    );
  }
  return {
    deviceKey: payload.readUInt32BE(0),
    groupKey: payload.readUInt32BE(4),
    groupMask: payload.readUInt32BE(8),
    actionTime: scheduled ? payload.readBigUInt64BE(12) : undefined,
  };
}
