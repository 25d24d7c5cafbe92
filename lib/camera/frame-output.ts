import sharp from 'sharp';
import { GigeError } from '../errors';
import type { Frame } from '../stream';
import type { CameraFrame } from './camera';
import { toJsonSafe } from '../genicam';
import { unpackToMono16, PixelFormat } from '../stream';

export type FrameEncoding = 'raw' | 'jpeg' | 'png';

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
  encoding: FrameEncoding;
  mimetype?: string;
  /** Chunk feature values sent with the frame, e.g. { ChunkExposureTime: 10000, ChunkGain: 0 }. */
  chunks?: Record<string, unknown>;
}

export function frameMetadata(frame: CameraFrame, encoding: FrameEncoding = 'raw'): FrameMetadata {
  return {
    width: frame.width,
    height: frame.height,
    offsetX: frame.offsetX,
    offsetY: frame.offsetY,
    pixelFormat: frame.pixelFormatName,
    frameId: Number(frame.blockId),
    timestamp: frame.timestamp.toString(),
    timestampMs: Number(frame.timestamp / 1000n) / 1000,
    status: frame.status,
    packets: { ...frame.packets },
    encoding,
    ...(encoding === 'jpeg' ? { mimetype: 'image/jpeg' } : encoding === 'png' ? { mimetype: 'image/png' } : {}),
    ...(frame.chunks ? { chunks: toJsonSafe(frame.chunks) as Record<string, unknown> } : {}),
  };
}

export interface EncodeOptions {
  /** JPEG quality 1–100. */
  quality?: number;
  /** Downscale so the width is at most this many pixels (keeps the aspect ratio). */
  maxWidth?: number;
}

/**
 * Encodes a monochrome frame as JPEG (8-bit) or PNG (8-bit for Mono8, 16-bit otherwise, with the
 * sensor's bits in the MSBs). Packed 12-bit formats are unpacked first.
 */
export async function encodeFrame(frame: Frame, encoding: 'jpeg' | 'png', options: EncodeOptions = {}): Promise<Buffer> {
  const { width, height } = frame;
  let image: sharp.Sharp;
  switch (frame.pixelFormat) {
    case PixelFormat.Mono8:
      image = sharp(frame.data, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
      break;
    case PixelFormat.Mono16:
    case PixelFormat.Mono12Packed:
    case PixelFormat.Mono12p:
    case PixelFormat.Mono12:
    case PixelFormat.Mono10: {
      const wide = toFullScale16(frame);
      image = encoding === 'jpeg'
        ? sharp(highBytes(wide), { raw: { width, height, channels: 1 } }).toColourspace('b-w')
        : // sharp reads 16-bit raw input (`depth`), which its type definitions do not list yet.
          sharp(wide, { raw: { width, height, channels: 1, depth: 'ushort' } as sharp.CreateRaw }).toColourspace('grey16');
      break;
    }
    default:
      throw new GigeError('UNSUPPORTED_PIXEL_FORMAT',
        `Cannot encode ${frame.pixelFormatName} as ${encoding}; supported: Mono8, Mono10, Mono12, Mono12Packed, Mono12p, Mono16`);
  }
  if (options.maxWidth && width > options.maxWidth) image = image.resize({ width: options.maxWidth });
  return encoding === 'jpeg'
    ? image.jpeg({ quality: options.quality ?? 85 }).toBuffer()
    : image.png({ compressionLevel: 1 }).toBuffer();
}

/** 16-bit little-endian samples with the significant bits in the MSBs (Mono16 already is). */
function toFullScale16(frame: Frame): Buffer {
  if (frame.pixelFormat === PixelFormat.Mono16) return frame.data;
  const unpacked = frame.pixelFormat === PixelFormat.Mono12Packed || frame.pixelFormat === PixelFormat.Mono12p
    ? unpackToMono16(frame.data, frame.pixelFormat, frame.width, frame.height)
    : Buffer.from(frame.data);
  const shift = frame.pixelFormat === PixelFormat.Mono10 ? 6 : 4;
  const samples = new Uint16Array(unpacked.buffer, unpacked.byteOffset, unpacked.byteLength / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = samples[i] << shift;
  return unpacked;
}

function highBytes(wide: Buffer): Buffer {
  const out = Buffer.allocUnsafe(wide.length / 2);
  for (let i = 0, j = 1; i < out.length; i++, j += 2) out[i] = wide[j];
  return out;
}
