/**
 * Chunk data (manual 5.15) in the GigE Vision 0x4001 layout: the block payload is a run of chunks,
 * each its data followed by an 8-byte big-endian tag (ChunkID, length). The image is the first
 * chunk, so a host parsing backwards from the end stops cleanly at offset 0:
 *
 *   [image][tag 0x00000001, image length][ExposureTime f64 BE][tag 0x00000A01, 8][Gain f64 BE][tag 0x00000A02, 8]
 *
 * ChunkExposureTime (µs) and ChunkGain (dB) are IEEE doubles, read through the chunk ports of the
 * XML at port address 0. Disabled chunks are left out; the layout id changes with the set.
 */
import { ChunkId } from './features-sync';

export const CHUNK_TAG_BYTES = 8;
const VALUE_CHUNK_BYTES = 8 + CHUNK_TAG_BYTES;

export interface ChunkSelection {
  active: boolean;
  exposureTime: boolean;
  gain: boolean;
}

export interface ChunkValues {
  exposureUs: number;
  gainDb: number;
}

/** Bytes the chunks add after the image (0 when chunk mode is off). */
export function chunkBytes(selection: ChunkSelection): number {
  if (!selection.active) return 0;
  return CHUNK_TAG_BYTES + (selection.exposureTime ? VALUE_CHUNK_BYTES : 0) + (selection.gain ? VALUE_CHUNK_BYTES : 0);
}

/** Identifies the layout so a host can cache its parse: changes whenever the set of chunks does. */
export function chunkLayoutId(selection: ChunkSelection): number {
  return 0x100 | (selection.exposureTime ? 1 : 0) | (selection.gain ? 2 : 0);
}

/** Writes the image tag and the value chunks after `imageLength` bytes of `payload`; returns the total length. */
export function writeChunks(payload: Buffer, imageLength: number, selection: ChunkSelection, values: ChunkValues): number {
  let at = imageLength;
  const tag = (id: number, length: number): void => {
    payload.writeUInt32BE(id, at);
    payload.writeUInt32BE(length, at + 4);
    at += CHUNK_TAG_BYTES;
  };
  tag(ChunkId.Image, imageLength);
  if (selection.exposureTime) {
    payload.writeDoubleBE(values.exposureUs, at);
    at += 8;
    tag(ChunkId.ExposureTime, 8);
  }
  if (selection.gain) {
    payload.writeDoubleBE(values.gainDb, at);
    at += 8;
    tag(ChunkId.Gain, 8);
  }
  return at;
}
