import sharp from 'sharp';
import { GigeError, quoteInput } from '../errors';
import type { FrameContent } from '../stream';
import type { CameraFrame } from './camera';
import type { FrameSet } from './frame-sets';
import { toJsonSafe } from '../genicam';
import { unpackToMono16, PixelFormat } from '../stream';

export type FrameEncoding = 'raw' | 'jpeg' | 'png';
export const FRAME_ENCODINGS: readonly FrameEncoding[] = ['raw', 'jpeg', 'png'];

/** `value` as a FrameEncoding, or a GigeError listing the allowed ones (never a silent fallback to another format). */
export function checkEncoding(value: unknown): FrameEncoding {
  if (FRAME_ENCODINGS.includes(value as FrameEncoding)) return value as FrameEncoding;
  throw new GigeError('BAD_ENCODING', `Encoding ${quoteInput(value)} is not supported; allowed: ${FRAME_ENCODINGS.join(', ')}`, {
    encoding: value,
  });
}

/** JSON-safe metadata of a frame (no bigint: Node-RED's debug sidebar and JSON.stringify reject it). */
export interface FrameMetadata {
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  pixelFormat: string;
  frameId: number;
  /** Device timestamp in ticks (ns on PTP cameras), exact, as a decimal string. */
  timestamp: string;
  /** The same timestamp as a number of ms (rounded; for arithmetic and display). */
  timestampMs: number;
  status: 'complete' | 'incomplete';
  packets: { expected: number; received: number; resent: number; missing: number };
  /** When the frame's first and last packets reached this host: ms since the epoch on the host's clock (to the µs), as Date.now(). */
  received?: { firstPacketMs: number; lastPacketMs: number };
  encoding: FrameEncoding;
  mimetype?: string;
  /** Chunk feature values sent with the frame, e.g. { ChunkExposureTime: 10000, ChunkGain: 0 }. */
  chunks?: Record<string, unknown>;
  /** Its multi-frame set (manual 5.11) while multi-frame output is on: { id, index, count }. */
  set?: FrameSet;
}

/** A device timestamp in ns ticks (or a host time in ns) as milliseconds, rounded to the µs: for arithmetic and display. */
export function ticksToMs(ticks: bigint): number {
  return Number((ticks + 500n) / 1000n) / 1000;
}

export function frameMetadata(frame: FrameContent & Pick<CameraFrame, 'chunks' | 'set'>, encoding: FrameEncoding = 'raw'): FrameMetadata {
  return {
    width: frame.width,
    height: frame.height,
    offsetX: frame.offsetX,
    offsetY: frame.offsetY,
    pixelFormat: frame.pixelFormatName,
    frameId: Number(frame.blockId),
    timestamp: frame.timestamp.toString(),
    timestampMs: ticksToMs(frame.timestamp),
    status: frame.status,
    packets: { ...frame.packets },
    ...(frame.received
      ? { received: { firstPacketMs: ticksToMs(frame.received.firstPacket), lastPacketMs: ticksToMs(frame.received.lastPacket) } }
      : {}),
    encoding,
    ...(encoding === 'jpeg' ? { mimetype: 'image/jpeg' } : encoding === 'png' ? { mimetype: 'image/png' } : {}),
    ...(frame.chunks ? { chunks: toJsonSafe(frame.chunks) as Record<string, unknown> } : {}),
    ...(frame.set ? { set: { ...frame.set } } : {}),
  };
}

export interface EncodeOptions {
  /** JPEG quality 1–100. */
  quality?: number;
  /** Downscale so the width is at most this many pixels (keeps the aspect ratio). */
  maxWidth?: number;
}

/** Significant bits of the 16-bit values each mono format unpacks to (Mono16 carries 16). */
const SIGNIFICANT_BITS: Record<number, number> = {
  [PixelFormat.Mono10]: 10,
  [PixelFormat.Mono12]: 12,
  [PixelFormat.Mono12Packed]: 12,
  [PixelFormat.Mono12p]: 12,
  [PixelFormat.Mono16]: 16,
};

/**
 * Encodes a monochrome frame as JPEG (8-bit) or PNG (8-bit for Mono8; 16-bit otherwise, with the
 * sensor's bits in the MSBs). No pixel loop runs in JavaScript: packed formats are unpacked by the
 * native core, scaling and encoding are libvips' (sharp).
 */
export async function encodeFrame(frame: FrameContent, encoding: 'jpeg' | 'png', options: EncodeOptions = {}): Promise<Buffer> {
  if (encoding !== 'jpeg' && encoding !== 'png') {
    throw new GigeError('BAD_ENCODING', `Frames are encoded as jpeg or png, not ${quoteInput(encoding)}`, { encoding });
  }
  const { width, height } = frame;
  let image: sharp.Sharp;
  if (frame.pixelFormat === PixelFormat.Mono8) {
    image = sharp(frame.data, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
  } else if (SIGNIFICANT_BITS[frame.pixelFormat] !== undefined) {
    const bits = SIGNIFICANT_BITS[frame.pixelFormat];
    const unpacked =
      frame.pixelFormat === PixelFormat.Mono16 && frame.paddingX === 0
        ? frame.data
        : unpackToMono16(frame.data, frame.pixelFormat, width, height, { paddingX: frame.paddingX });
    // sharp takes the sample depth of raw input from the typed array: a Buffer would be read as
    // 8-bit samples. The view shares the frame's memory; only an odd offset (never seen from the
    // pool or the unpacker) would need an aligned copy.
    const aligned = unpacked.byteOffset % 2 === 0 ? unpacked : copyUnpooled(unpacked);
    const samples = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
    let wide = sharp(samples, { raw: { width, height, channels: 1 } });
    if (bits < 16) wide = wide.linear(2 ** (16 - bits), 0);
    // Full-scale 16-bit greyscale; JPEG takes its upper 8 bits.
    image = wide.toColourspace(encoding === 'jpeg' ? 'b-w' : 'grey16');
  } else {
    throw new GigeError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `Cannot encode ${frame.pixelFormatName} as ${encoding}; supported: Mono8, Mono10, Mono12, Mono12Packed, Mono12p, Mono16`,
    );
  }
  if (options.maxWidth && width > options.maxWidth) image = image.resize({ width: options.maxWidth });
  return encoding === 'jpeg' ? image.jpeg({ quality: options.quality ?? 85 }).toBuffer() : image.png({ compressionLevel: 1 }).toBuffer();
}

/** A copy in its own memory (Buffer.alloc never uses the shared pool, so it starts aligned). */
function copyUnpooled(source: Buffer): Buffer {
  const copy = Buffer.alloc(source.length);
  source.copy(copy);
  return copy;
}
