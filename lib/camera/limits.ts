/**
 * Upper bounds on what a user may configure, each checked with an error that says what is allowed:
 * a value past them does not fail loudly on its own — it turns into something else (a timer of
 * 1 ms, gigabytes of frame buffers).
 */
import { GigeError, quoteInput } from '../errors';

/**
 * The longest delay a Node.js timer holds (2^31 − 1 ms, 24.8 days). Node runs a longer one after
 * 1 ms (with only a warning), so a frame timeout of 3 000 000 000 ms would time out at once.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Frame buffers in one stream's pool (the editor offers 2 … 64). */
export const MIN_BUFFER_COUNT = 2;
export const MAX_BUFFER_COUNT = 64;

/**
 * Memory one stream's frame pool may take: buffer count × PayloadSize. 48 buffers of a full
 * 4504 × 4504 frame (20 MB) would take a gigabyte from the Node-RED process that also runs the
 * plant's other flows.
 */
export const MAX_POOL_BYTES = 512 * 1024 * 1024;

/** Packet sizes (SCPS, bytes of IP datagram) a config may ask for. */
export const MIN_PACKET_SIZE = 576;
export const MAX_PACKET_SIZE = 16384;

/** An integer in [min, max], or a GigeError OUT_OF_RANGE naming `what`, the value and the range. */
export function checkIntegerInRange(value: unknown, min: number, max: number, what: string, unit = ''): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const suffix = unit ? ` ${unit}` : '';
    // A number typed in a text field is shown as the number it reads as; anything else quoted, clipped.
    const shown =
      typeof value === 'string' && /^\s*[-+]?[\d.]+(e[-+]?\d+)?\s*$/i.test(value) && value.length <= 40 ? value.trim() : quoteInput(value);
    throw new GigeError('OUT_OF_RANGE', `${what} ${shown} is not allowed; allowed ${min} … ${max}${suffix} (whole numbers)`, {
      what,
      min,
      max,
    });
  }
  return n;
}

export function checkTimeoutMs(value: unknown, what = 'Frame timeout'): number {
  return checkIntegerInRange(value, 1, MAX_TIMEOUT_MS, what, 'ms');
}

/** Refuses a pool that would take more than MAX_POOL_BYTES, saying how many buffers would fit. */
export function checkPoolMemory(bufferCount: number, payloadSize: number, address: string): void {
  const bytes = bufferCount * payloadSize;
  if (bytes <= MAX_POOL_BYTES) return;
  const fits = Math.floor(MAX_POOL_BYTES / Math.max(1, payloadSize));
  throw new GigeError(
    'OUT_OF_RANGE',
    `Camera ${address}: ${bufferCount} frame buffers × PayloadSize ${megabytes(payloadSize)} = ` +
      `${megabytes(bytes)} is more than the ${megabytes(MAX_POOL_BYTES)} a stream may take; at this image size use at most ${fits} buffers, ` +
      'or a smaller image (Width, Height, PixelFormat)',
    { bufferCount, payloadSize, limit: MAX_POOL_BYTES },
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
