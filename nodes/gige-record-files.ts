/**
 * Frame files for gige-record: a frame message (raw pixels or an encoded image, with `msg.image`)
 * becomes an image file and a JSON sidecar, under a name that never replaces an existing file.
 *
 * Names come from the camera (serial, else the message's topic) and the frame's device timestamp
 * (ns on PTP cameras: unique per camera across restarts, unlike frame ids, which restart at 1 with
 * every acquisition). Uniqueness is not assumed, it is enforced: a file is written under a
 * temporary name and hard-linked to its final name, which fails if that name exists (then "-2",
 * "-3", … is tried). A crash mid-write leaves a `.part` file, never a truncated image under a
 * real name.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { GigeError, quoteInput } from '../lib/errors';
import { PixelFormat, pixelFormatCode, imageByteLength, unpackToMono16 } from '../lib/stream';

export type FileFormat = 'tiff' | 'png' | 'raw';
export const FILE_FORMATS: readonly FileFormat[] = ['tiff', 'png', 'raw'];

/** What gige-record needs of a frame message: the bytes and gige-grab's `msg.image`. */
export interface FrameRecord {
  payload: Buffer;
  image: Record<string, unknown> & { width: number; height: number; pixelFormat: string; timestamp: string; encoding?: string };
  /** Camera name for the file name: `msg.image.serial`, else `msg.topic`. */
  camera: string;
}

/** Significant bits of the formats stored as 16-bit images (the value is shifted to the MSBs). */
const SIGNIFICANT_BITS: Record<number, number> = {
  [PixelFormat.Mono10]: 10,
  [PixelFormat.Mono10Packed]: 10,
  [PixelFormat.Mono10p]: 10,
  [PixelFormat.Mono12]: 12,
  [PixelFormat.Mono12Packed]: 12,
  [PixelFormat.Mono12p]: 12,
  [PixelFormat.Mono16]: 16,
};

/** Significant bits of a raw format gige-record stores (8 for Mono8), or undefined for others. */
export function significantBitsOf(pixelFormat: string): number | undefined {
  let code: number;
  try {
    code = pixelFormatCode(pixelFormat);
  } catch {
    return undefined;
  }
  return code === PixelFormat.Mono8 ? 8 : SIGNIFICANT_BITS[code];
}

/** A frame message as a FrameRecord, or the error that says what a frame message looks like. */
export function frameRecordOf(msg: Record<string, unknown>): FrameRecord | null {
  const image = msg.image as FrameRecord['image'] | undefined;
  if (!Buffer.isBuffer(msg.payload) || !image || typeof image !== 'object') return null;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || typeof image.pixelFormat !== 'string') {
    throw new GigeError('NOT_A_FRAME', 'msg.image needs width, height and pixelFormat (as gige-grab sends them)');
  }
  const serial = typeof image.serial === 'string' && image.serial ? image.serial : undefined;
  const camera = serial ?? (typeof msg.topic === 'string' && msg.topic ? msg.topic : 'camera');
  return { payload: msg.payload, image: { ...image, timestamp: String(image.timestamp ?? '0') }, camera };
}

/** File-system-safe part of a name: letters, digits, `.`, `_`, `-` (others become `_`), at most 64. */
export function safeNamePart(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 64);
  return cleaned || 'camera';
}

/** `<camera>-<timestamp, 20 digits>`: sorts by time within a camera, unique while timestamps are. */
export function frameBaseName(record: FrameRecord): string {
  const ticks = /^\d{1,20}$/.test(record.image.timestamp) ? record.image.timestamp.padStart(20, '0') : safeNamePart(record.image.timestamp);
  return `${safeNamePart(record.camera)}-${ticks}`;
}

/** The file extension a frame gets in `format` (encoded frames keep their own format). */
export function fileExtension(record: FrameRecord, format: FileFormat): string {
  const encoding = record.image.encoding;
  if (encoding === 'jpeg') return 'jpg';
  if (encoding === 'png') return 'png';
  return format === 'tiff' ? 'tif' : format;
}

/**
 * The image file's bytes: encoded frames as they are; raw frames as 8-bit (Mono8) or 16-bit
 * greyscale TIFF/PNG with the sensor's bits in the MSBs (Mono12 4095 → 65520), or the raw bytes.
 */
export async function encodeRecord(record: FrameRecord, format: FileFormat): Promise<{ bytes: Buffer; significantBits?: number }> {
  const { image, payload } = record;
  if (image.encoding === 'jpeg' || image.encoding === 'png' || format === 'raw') return { bytes: payload };
  const code = pixelFormatCode(image.pixelFormat);
  const expected = imageByteLength(code, image.width, image.height);
  if (payload.length < expected) {
    throw new GigeError(
      'NOT_A_FRAME',
      `msg.payload has ${payload.length} bytes; a ${image.width}×${image.height} ${image.pixelFormat} frame has ${expected}`,
    );
  }
  const raw = { width: image.width, height: image.height, channels: 1 as const };
  let picture: sharp.Sharp;
  let significantBits: number | undefined;
  if (code === PixelFormat.Mono8) {
    picture = sharp(payload.subarray(0, expected), { raw }).toColourspace('b-w');
    significantBits = 8;
  } else if (SIGNIFICANT_BITS[code] !== undefined) {
    significantBits = SIGNIFICANT_BITS[code];
    let wide = code === PixelFormat.Mono16 ? payload.subarray(0, expected) : unpackToMono16(payload, code, image.width, image.height);
    if (wide.byteOffset % 2 !== 0) wide = Buffer.from(wide);
    // sharp reads a raw input's sample depth from the typed array: 16-bit needs a Uint16Array view.
    const samples = new Uint16Array(wide.buffer, wide.byteOffset, wide.byteLength >> 1);
    picture = sharp(samples, { raw });
    if (significantBits < 16) picture = picture.linear(2 ** (16 - significantBits), 0);
    picture = picture.toColourspace('grey16');
  } else {
    throw new GigeError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `Cannot store ${quoteInput(image.pixelFormat)} as ${format}; supported: Mono8, Mono10, Mono10Packed, Mono10p, Mono12, Mono12Packed, Mono12p, Mono16 (or format "raw")`,
    );
  }
  const bytes =
    format === 'tiff' ? await picture.tiff({ compression: 'none' }).toBuffer() : await picture.png({ compressionLevel: 1 }).toBuffer();
  return { bytes, significantBits };
}

/**
 * Writes `bytes` as `dir/base.ext`, or `dir/base-2.ext`, `-3`, … if that name exists: never replaces
 * a file. Returns the path written.
 */
export async function writeNew(dir: string, base: string, ext: string, bytes: Buffer | string): Promise<string> {
  const part = path.join(dir, `.${base}.${randomBytes(6).toString('hex')}.part`);
  await fs.writeFile(part, bytes, { flag: 'wx' });
  try {
    for (let n = 1; n <= 1000; n++) {
      const target = path.join(dir, n === 1 ? `${base}.${ext}` : `${base}-${n}.${ext}`);
      try {
        await fs.link(part, target);
        return target;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new GigeError('NAME_EXHAUSTED', `1000 files named ${base}*.${ext} already exist in ${dir}`);
  } finally {
    await fs.unlink(part).catch(() => undefined);
  }
}

/** A new directory `parent/name` (or `name-2`, …): a capture never writes into another's folder. */
export async function makeNewDirectory(parent: string, name: string): Promise<string> {
  await fs.mkdir(parent, { recursive: true });
  for (let n = 1; n <= 1000; n++) {
    const dir = path.join(parent, n === 1 ? name : `${name}-${n}`);
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new GigeError('NAME_EXHAUSTED', `1000 folders named ${name}* already exist in ${parent}`);
}

export interface WrittenFrame {
  file: string;
  sidecar: string | null;
  bytes: number;
}

/** Writes one frame: the image file, then (optionally) `<same name>.json` with msg.image. */
export async function writeFrame(dir: string, record: FrameRecord, format: FileFormat, sidecar: boolean): Promise<WrittenFrame> {
  const { bytes, significantBits } = await encodeRecord(record, format);
  const file = await writeNew(dir, frameBaseName(record), fileExtension(record, format), bytes);
  let sidecarPath: string | null = null;
  if (sidecar) {
    sidecarPath = file.replace(/\.[^.]+$/, '.json');
    const description = {
      file: path.basename(file),
      camera: record.camera,
      format: format === 'raw' && !record.image.encoding ? 'raw' : fileExtension(record, format),
      ...(significantBits && significantBits < 16 && significantBits > 8 ? { valueScale: 2 ** (16 - significantBits) } : {}),
      image: record.image,
    };
    // The image's name is unique, so its sidecar's is too (wx: still never replaces one).
    await fs.writeFile(sidecarPath, `${JSON.stringify(description, null, 2)}\n`, { flag: 'wx' });
  }
  return { file, sidecar: sidecarPath, bytes: bytes.length };
}
