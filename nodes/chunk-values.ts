/**
 * The chunk values of a frame message from gige-grab (msg.image: its metadata, chunks as the
 * camera's GenICam chunk features gave them) in the shape gige-chunk-reader puts on the message.
 */
import { GigeError, quoteInput } from '../lib/errors';
import type { Translate } from './i18n';

export interface ChunkValues {
  /** µs, ChunkExposureTime (manual 5.15.4) */
  exposureTime: number | null;
  /** dB, ChunkGain (manual 5.15.5) */
  gain: number | null;
  /** The frame's id: ChunkFrameID when the camera sends one, else its block id. */
  frameId: number | string | null;
  /** Device time (ns on PTP cameras) as an exact decimal string: ChunkTimestamp, else the frame's. */
  timestamp: string | null;
  timestampMs: number | null;
  /** Member of its multi-frame set (manual 5.11), null when multi-frame output is off. */
  setIndex: number | null;
  set: { id: number; index: number; count: number } | null;
  /** Every chunk feature the frame carried, by its GenICam name. */
  chunks: Record<string, unknown>;
}

interface FrameImage {
  frameId?: unknown;
  timestamp?: unknown;
  timestampMs?: unknown;
  chunks?: Record<string, unknown>;
  set?: { id: number; index: number; count: number };
}

function isImage(value: unknown): value is FrameImage {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Values of one frame's metadata; NO_CHUNK_DATA when the frame carried none (chunk mode off). */
export function chunkValuesOf(t: Translate, image: unknown, where: string): ChunkValues {
  if (!isImage(image)) {
    throw new GigeError('NOT_A_FRAME', t('errors.notAFrame', { where, value: quoteInput(image) }), { where });
  }
  const chunks = image.chunks;
  if (!chunks || typeof chunks !== 'object' || Object.keys(chunks).length === 0) {
    throw new GigeError('NO_CHUNK_DATA', t('errors.noChunkData', { frame: image.frameId == null ? '?' : quoteInput(image.frameId) }), {
      frameId: image.frameId ?? null,
    });
  }
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  const chunkTimestamp = chunks.ChunkTimestamp;
  // bigint from the camera, text after a JSON round trip; anything else is no time (not "[object Object]").
  const timestamp =
    typeof chunkTimestamp === 'bigint' || typeof chunkTimestamp === 'number' || typeof chunkTimestamp === 'string'
      ? String(chunkTimestamp)
      : typeof image.timestamp === 'string'
        ? image.timestamp
        : null;
  return {
    exposureTime: number(chunks.ChunkExposureTime),
    gain: number(chunks.ChunkGain),
    frameId: (chunks.ChunkFrameID as number | string | undefined) ?? (typeof image.frameId === 'number' ? image.frameId : null),
    timestamp,
    timestampMs:
      chunkTimestamp !== undefined && timestamp !== null && /^\d+$/.test(timestamp)
        ? Number((BigInt(timestamp) + 500n) / 1000n) / 1000
        : number(image.timestampMs),
    setIndex: image.set ? image.set.index : null,
    set: image.set ? { ...image.set } : null,
    chunks: { ...chunks },
  };
}
