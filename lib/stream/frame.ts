/** The frame shape of docs/architecture.md, built from what the native receiver hands over. */
import type { RawFrame } from './native';
import { pixelFormatName } from './pixel-formats';

export interface Frame {
  /** Image bytes: a view of the pooled buffer; read-only by contract (shared with every holder). */
  data: Buffer;
  blockId: bigint;
  timestamp: bigint;
  payloadType: number;
  pixelFormat: number;
  pixelFormatName: string;
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  paddingX: number;
  paddingY: number;
  status: 'complete' | 'incomplete';
  /** Leader, data and trailer packets of the block. */
  packets: { expected: number; received: number; resent: number; missing: number };
  /** The payload after the image (chunks and their tags, for a backward parse) for 0x4001 / 0x0004. */
  chunkData?: Buffer;
  chunkLayoutId?: number;
}

const CHUNK_FLAG = 0x4000;
const CHUNK_DATA = 0x0004;

export function toFrame(raw: RawFrame): Frame {
  const frame: Frame = {
    data: raw.payload.subarray(0, raw.imageLength),
    blockId: raw.blockId,
    timestamp: raw.timestamp,
    payloadType: raw.payloadType,
    pixelFormat: raw.pixelFormat,
    pixelFormatName: pixelFormatName(raw.pixelFormat),
    width: raw.width,
    height: raw.height,
    offsetX: raw.offsetX,
    offsetY: raw.offsetY,
    paddingX: raw.paddingX,
    paddingY: raw.paddingY,
    status: raw.complete ? 'complete' : 'incomplete',
    packets: {
      expected: raw.expectedPackets,
      received: raw.receivedPackets,
      resent: raw.resentPackets,
      missing: raw.missingPackets,
    },
  };
  if ((raw.payloadType & CHUNK_FLAG) !== 0 || (raw.payloadType & 0x3fff) === CHUNK_DATA) {
    frame.chunkData = raw.payload.subarray(raw.imageLength);
    if (raw.chunkLayoutId !== undefined) frame.chunkLayoutId = raw.chunkLayoutId;
  }
  return frame;
}
