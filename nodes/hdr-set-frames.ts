/**
 * The frames of a multi-frame set as gige-hdr-merge takes them (gige-grab's whole sets, raw), and
 * their pixels as samples for the fusion worker.
 */
import { GigeError, quoteInput } from '../lib/errors';
import { PixelFormat, pixelFormatCode, imageByteLength, unpackToMono16 } from '../lib/stream';
import { FrameRecord, significantBitsOf } from './gige-record-files';

export interface FrameIn {
  payload: Buffer;
  image: FrameRecord['image'];
}

/** The set's frames, checked: raw, monochrome, all the same size, at least 2. */
export function framesOfSet(msg: Record<string, unknown>): FrameIn[] {
  const payload = msg.payload;
  const images = msg.image;
  if (!Array.isArray(payload) || !Array.isArray(images) || payload.length !== images.length) {
    throw new GigeError(
      'NOT_A_SET',
      'gige-hdr-merge takes a whole multi-frame set: msg.payload an array of raw frames and msg.image an array of their metadata (gige-grab, output "one message per multi-frame set", encoding raw)',
    );
  }
  if (payload.length < 2) throw new GigeError('NOT_A_SET', `A set of ${payload.length} frame cannot be merged; allowed 2 … 16 frames`);
  if (payload.length > 16) throw new GigeError('NOT_A_SET', `A set of ${payload.length} frames is too large; allowed 2 … 16 frames`);
  const frames = payload.map((p, i) => {
    const image = images[i] as FrameRecord['image'] | undefined;
    if (!Buffer.isBuffer(p) || !image || typeof image !== 'object')
      throw new GigeError('NOT_A_SET', `msg.payload[${i}] is not a frame (a Buffer with msg.image[${i}])`);
    if (image.encoding !== undefined && image.encoding !== 'raw') {
      throw new GigeError(
        'NOT_RAW',
        `Frame ${i} is ${quoteInput(image.encoding)}; exposure fusion needs raw frames (set the grab node's encoding to raw)`,
      );
    }
    if (significantBitsOf(String(image.pixelFormat)) === undefined) {
      throw new GigeError(
        'UNSUPPORTED_PIXEL_FORMAT',
        `Frame ${i} is ${quoteInput(image.pixelFormat)}; supported: Mono8, Mono10, Mono10Packed, Mono10p, Mono12, Mono12Packed, Mono12p, Mono16`,
      );
    }
    const expected = imageByteLength(pixelFormatCode(image.pixelFormat), image.width, image.height);
    if (p.length < expected)
      throw new GigeError(
        'NOT_A_SET',
        `Frame ${i} has ${p.length} bytes; a ${image.width}×${image.height} ${image.pixelFormat} frame has ${expected}`,
      );
    return { payload: p, image: { ...image, timestamp: String(image.timestamp ?? '0') } };
  });
  const [first] = frames;
  for (const [i, f] of frames.entries()) {
    if (f.image.width !== first.image.width || f.image.height !== first.image.height) {
      throw new GigeError(
        'NOT_A_SET',
        `Frame ${i} is ${f.image.width}×${f.image.height}, frame 0 ${first.image.width}×${first.image.height}: a set's frames must have one size`,
      );
    }
  }
  return frames;
}

/** A frame's pixels as samples for the worker, in a buffer of their own (transferred, not shared). */
export function samplesOf(frame: FrameIn): { samples: Uint8Array | Uint16Array; significantBits: number } {
  const { width, height, pixelFormat } = frame.image;
  const code = pixelFormatCode(pixelFormat);
  const significantBits = significantBitsOf(pixelFormat) as number;
  const count = width * height;
  if (code === PixelFormat.Mono8) return { samples: new Uint8Array(frame.payload.subarray(0, count)), significantBits };
  let wide = code === PixelFormat.Mono16 ? frame.payload.subarray(0, count * 2) : unpackToMono16(frame.payload, code, width, height);
  if (wide.byteOffset % 2 !== 0) wide = Buffer.from(wide);
  return { samples: new Uint16Array(new Uint16Array(wide.buffer, wide.byteOffset, count)), significantBits };
}
