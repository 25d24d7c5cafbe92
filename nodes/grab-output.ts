/**
 * What a grab node sends for a frame: raw pixels or JPEG/PNG, optionally downscaled — as
 * configured, or as a message asks (msg.encoding, msg.quality, msg.maxWidth), each checked with what
 * is allowed (never clamped or replaced silently). Turning a frame into a message ends the node's
 * hold on it: a raw frame is detached (the flow owns its bytes), an encoded one released.
 */
import type { Frame } from '../lib/stream';
import type { CameraFrame } from '../lib/camera/camera';
import { checkEncoding, encodeFrame, frameMetadata, FrameEncoding, FrameMetadata } from '../lib/camera/frame-output';
import type { Translate } from './i18n';
import { checkNumber, isBlank } from './input-checks';

export interface OutputOptions {
  encoding: FrameEncoding;
  /** JPEG quality, 1 … 100 */
  quality: number;
  /** Downscale to at most this width (16 … 100000 px); undefined: full size. */
  maxWidth?: number;
}

const QUALITY = { min: 1, max: 100, integer: true };
const MAX_WIDTH = { min: 16, max: 100000, integer: true, unit: 'px' };

export function configuredOutput(t: Translate, def: { encoding?: unknown; quality?: unknown; maxWidth?: unknown }): OutputOptions {
  return {
    // BAD_ENCODING with the allowed list (the code flows already branch on).
    encoding: isBlank(def.encoding) ? 'raw' : checkEncoding(def.encoding),
    quality: isBlank(def.quality) ? 85 : checkNumber(t, def.quality, 'quality', QUALITY),
    maxWidth: isBlank(def.maxWidth) ? undefined : checkNumber(t, def.maxWidth, 'maxWidth', MAX_WIDTH),
  };
}

/** A message's msg.encoding / msg.quality / msg.maxWidth over `base` (msg.maxWidth 0 or null: full size). */
export function messageOutput(t: Translate, msg: Record<string, unknown>, base: OutputOptions): OutputOptions {
  return {
    encoding: msg.encoding === undefined ? base.encoding : checkEncoding(msg.encoding),
    quality: msg.quality === undefined ? base.quality : checkNumber(t, msg.quality, 'msg.quality', QUALITY),
    maxWidth:
      msg.maxWidth === undefined
        ? base.maxWidth
        : msg.maxWidth === null || msg.maxWidth === 0
          ? undefined
          : checkNumber(t, msg.maxWidth, 'msg.maxWidth', MAX_WIDTH),
  };
}

/** The frame as payload + metadata; consumes this holder's hold on it (detach raw, release encoded). */
export async function framePayload(
  frame: Frame & Pick<CameraFrame, 'chunks' | 'set'>,
  options: OutputOptions,
): Promise<{ payload: Buffer; image: FrameMetadata }> {
  if (options.encoding === 'raw') {
    const payload = frame.detach().data;
    return { payload, image: frameMetadata(frame, 'raw') };
  }
  try {
    const payload = await encodeFrame(frame, options.encoding, { quality: options.quality, maxWidth: options.maxWidth });
    return { payload, image: frameMetadata(frame, options.encoding) };
  } finally {
    frame.release();
  }
}
