/**
 * What an event Port (a Port with `<EventID>`) exposes, byte for byte — our convention, chosen to
 * match what GenApi's GigE Vision event adapter hands to ports (the event item *including* its
 * standard 16-byte header), and fixed so XML authors can rely on it whatever the wire format:
 *
 *   offset  size  field (big-endian)
 *   0       2     reserved (0)
 *   2       2     event id
 *   4       2     stream channel index (0xFFFF when not tied to a stream)
 *   6       2     block id, low 16 bits
 *   8       8     timestamp (device ticks)
 *   16      n     event data (the EVENTDATA payload after the item header; empty for EVENT_CMD)
 *
 * So `EventExposureEndTimestamp` is an IntReg at Address 8, Length 8, BigEndian, and the first
 * custom data field sits at Address 16. Extended-ID events (24-byte wire header) are delivered in
 * this same layout: the camera layer passes the fields, not the raw item.
 */
export interface EventInfo {
  timestamp?: bigint;
  blockId?: bigint;
  streamChannel?: number;
}

export const EVENT_HEADER_LENGTH = 16;

export function eventPortImage(eventId: number, data: Buffer | undefined, info: EventInfo = {}): Buffer {
  const payload = data ?? Buffer.alloc(0);
  const image = Buffer.alloc(EVENT_HEADER_LENGTH + payload.length);
  image.writeUInt16BE(eventId & 0xffff, 2);
  image.writeUInt16BE((info.streamChannel ?? 0xffff) & 0xffff, 4);
  image.writeUInt16BE(Number(BigInt.asUintN(16, info.blockId ?? 0n)), 6);
  image.writeBigUInt64BE(BigInt.asUintN(64, info.timestamp ?? 0n), 8);
  payload.copy(image, EVENT_HEADER_LENGTH);
  return image;
}
