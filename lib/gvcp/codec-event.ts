/**
 * EVENT_CMD and EVENTDATA_CMD payloads (device → host on the message channel, §5).
 * Standard ids: 16-byte items, 16-bit block id. Extended ids (flag 0x10): 24-byte items, 64-bit
 * block id; an EVENTDATA item's first two bytes give its total size (header + data).
 */
import { GVCP_MAX_EVENTDATA_BYTES, GVCP_MAX_PAYLOAD } from './protocol';
import { badArgument, malformed } from './errors';

export interface EventItem {
  eventId: number;
  /** 0xFFFF when the event is not tied to a stream channel. */
  streamChannel: number;
  blockId: bigint;
  timestamp: bigint;
  /** EVENTDATA only: the device-specific data after the item header. */
  data?: Buffer;
}

export const EVENT_ITEM_SIZE = 16;
export const EVENT_ITEM_SIZE_EXTENDED = 24;

function writeItemHeader(buf: Buffer, offset: number, item: EventItem, extendedIds: boolean, sizeField: number): void {
  if (!Number.isInteger(item.eventId) || item.eventId < 0 || item.eventId > 0xffff) {
    throw badArgument(`event id ${item.eventId} is not 16-bit (0…0xFFFF)`, { eventId: item.eventId });
  }
  buf.writeUInt16BE(sizeField, offset);
  buf.writeUInt16BE(item.eventId, offset + 2);
  buf.writeUInt16BE(item.streamChannel & 0xffff, offset + 4);
  if (extendedIds) {
    buf.writeBigUInt64BE(BigInt.asUintN(64, item.blockId), offset + 8);
    buf.writeBigUInt64BE(BigInt.asUintN(64, item.timestamp), offset + 16);
  } else {
    buf.writeUInt16BE(Number(item.blockId & 0xffffn), offset + 6);
    buf.writeBigUInt64BE(BigInt.asUintN(64, item.timestamp), offset + 8);
  }
}

function readItemHeader(buf: Buffer, offset: number, extendedIds: boolean): EventItem {
  if (extendedIds) {
    return {
      eventId: buf.readUInt16BE(offset + 2),
      streamChannel: buf.readUInt16BE(offset + 4),
      blockId: buf.readBigUInt64BE(offset + 8),
      timestamp: buf.readBigUInt64BE(offset + 16),
    };
  }
  return {
    eventId: buf.readUInt16BE(offset + 2),
    streamChannel: buf.readUInt16BE(offset + 4),
    blockId: BigInt(buf.readUInt16BE(offset + 6)),
    timestamp: buf.readBigUInt64BE(offset + 8),
  };
}

export function encodeEventCommand(items: readonly EventItem[], extendedIds: boolean): Buffer {
  const size = extendedIds ? EVENT_ITEM_SIZE_EXTENDED : EVENT_ITEM_SIZE;
  const max = Math.floor(GVCP_MAX_PAYLOAD / size);
  if (items.length < 1 || items.length > max) {
    throw badArgument(`EVENT carries 1…${max} items, got ${items.length}`, { count: items.length });
  }
  const payload = Buffer.alloc(items.length * size);
  items.forEach((item, i) => writeItemHeader(payload, i * size, item, extendedIds, 0));
  return payload;
}

export function decodeEventCommand(payload: Buffer, extendedIds: boolean): EventItem[] {
  const size = extendedIds ? EVENT_ITEM_SIZE_EXTENDED : EVENT_ITEM_SIZE;
  if (payload.length === 0 || payload.length % size !== 0) {
    throw malformed(`EVENT payload of ${payload.length} bytes is not a non-empty list of ${size}-byte items`, {
      length: payload.length,
    });
  }
  const items: EventItem[] = [];
  for (let o = 0; o < payload.length; o += size) items.push(readItemHeader(payload, o, extendedIds));
  return items;
}

export function encodeEventDataCommand(item: EventItem, extendedIds: boolean): Buffer {
  const data = item.data ?? Buffer.alloc(0);
  const size = extendedIds ? EVENT_ITEM_SIZE_EXTENDED : EVENT_ITEM_SIZE;
  const maxData = extendedIds ? GVCP_MAX_PAYLOAD - size : GVCP_MAX_EVENTDATA_BYTES;
  if (data.length > maxData) {
    throw badArgument(`EVENTDATA data of ${data.length} bytes exceeds the maximum of ${maxData}`, { length: data.length });
  }
  const payload = Buffer.alloc(size + data.length);
  writeItemHeader(payload, 0, item, extendedIds, extendedIds ? size + data.length : 0);
  data.copy(payload, size);
  return payload;
}

/** Standard ids: one item. Extended ids: one or more items, each sized by its first two bytes. */
export function decodeEventDataCommand(payload: Buffer, extendedIds: boolean): EventItem[] {
  const size = extendedIds ? EVENT_ITEM_SIZE_EXTENDED : EVENT_ITEM_SIZE;
  if (payload.length < size) {
    throw malformed(`EVENTDATA payload of ${payload.length} bytes is shorter than the ${size}-byte item header`, {
      length: payload.length,
    });
  }
  if (!extendedIds) {
    return [{ ...readItemHeader(payload, 0, false), data: payload.subarray(size) }];
  }
  const items: EventItem[] = [];
  let o = 0;
  while (o < payload.length) {
    if (payload.length - o < size) {
      throw malformed(`EVENTDATA item at byte ${o} has ${payload.length - o} bytes, shorter than its ${size}-byte header`, { offset: o });
    }
    const itemSize = payload.readUInt16BE(o);
    if (itemSize < size || o + itemSize > payload.length) {
      throw malformed(`EVENTDATA item at byte ${o} declares size ${itemSize}; allowed ${size}…${payload.length - o}`, {
        offset: o,
        itemSize,
      });
    }
    items.push({ ...readItemHeader(payload, o, true), data: payload.subarray(o + size, o + itemSize) });
    o += itemSize;
  }
  return items;
}
