/**
 * Multi-frame output (manual 5.11, "HDR"): the camera cycles exposure (and gain) through a set of
 * 2 or 4 frames. The wire does not say which member a frame is, so it is worked out here:
 *
 *   - from the frame's ExposureTime chunk, when chunk data is on and the set's exposure times
 *     differ: the member whose MultiFrameSetOutputModeExposureTime<i> it carries;
 *   - otherwise from the frame's position since acquisition started (block ids restart at 1 when
 *     the stream channel opens, and the camera cycles once per frame from AcquisitionStart).
 *
 * A set is named by the frame id of its first member, so the frames of one set share `id` and a
 * flow can join them; `index` is the member (0 = MultiFrameSetOutputModeExposureTime0).
 */
import type { FeatureValue } from '../genicam';

export interface FrameSet {
  /** Frame id (block id) of the set's first member. */
  id: number;
  /** 0 … count−1: the member, in the order the camera exposes them. */
  index: number;
  count: number;
}

export interface MultiFrameConfig {
  count: number;
  /** MultiFrameSetOutputModeExposureTime0 … count−1, µs. */
  exposures: number[];
}

/** The largest 16-bit block id: legacy ids wrap from 65535 to 1 (0 marks a test packet). */
const MAX_BLOCK_ID_16 = 65535;

type Read = (name: string) => Promise<FeatureValue>;

/** The camera's multi-frame setting now, or null when it is off or the camera has none. */
export async function readMultiFrameConfig(has: (name: string) => boolean, read: Read): Promise<MultiFrameConfig | null> {
  if (!has('MultiFrameSetOutputModeEnable') || !(await read('MultiFrameSetOutputModeEnable'))) return null;
  const count = Number(await read('MultiFrameSetOutputModeFrameCount'));
  if (!Number.isInteger(count) || count < 2) return null;
  const exposures: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `MultiFrameSetOutputModeExposureTime${i}`;
    exposures.push(has(name) ? Number(await read(name)) : NaN);
  }
  return { count, exposures };
}

/** The member whose exposure time the chunk carries (relative tolerance for float registers), or null. */
export function memberByExposure(config: MultiFrameConfig, chunkExposure: unknown): number | null {
  if (typeof chunkExposure !== 'number' || !Number.isFinite(chunkExposure)) return null;
  const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(1e-6, Math.abs(b) * 1e-4);
  const matches = config.exposures.map((e, i) => (close(chunkExposure, e) ? i : -1)).filter((i) => i >= 0);
  return matches.length === 1 ? matches[0] : null;
}

/**
 * Per stream: the frames' positions since acquisition started (legacy 16-bit block ids unwrapped),
 * and each frame's set.
 */
export class FrameSetTracker {
  private lastBlockId = 0n;
  private wraps = 0n;

  /** Acquisition starts: block ids start again at 1. */
  reset(): void {
    this.lastBlockId = 0n;
    this.wraps = 0n;
  }

  /** Position of the frame since acquisition started (1 = the first frame), from its block id. */
  position(blockId: bigint): bigint {
    // A 16-bit id that falls far back has wrapped (65535 → 1); a small step back is a late frame.
    if (this.lastBlockId !== 0n && blockId <= BigInt(MAX_BLOCK_ID_16) && this.lastBlockId - blockId > 32768n) this.wraps += 1n;
    const position = blockId + this.wraps * BigInt(MAX_BLOCK_ID_16);
    if (blockId > this.lastBlockId || this.lastBlockId - blockId > 32768n) this.lastBlockId = blockId;
    return position;
  }

  /**
   * The set of a frame while multi-frame output is on (`config`), null when it is off or the frame
   * carries an exposure time that is no member's (taken before the setting changed).
   */
  assign(blockId: bigint, config: MultiFrameConfig | null, chunkExposure?: unknown): FrameSet | null {
    const position = this.position(blockId);
    if (!config) return null;
    let index: number;
    if (chunkExposure !== undefined) {
      const member = memberByExposure(config, chunkExposure);
      const distinct = new Set(config.exposures).size === config.exposures.length;
      if (member !== null) index = member;
      else if (distinct) return null;
      else index = Number((position - 1n) % BigInt(config.count));
    } else {
      index = Number((position - 1n) % BigInt(config.count));
    }
    // A camera that restarted its cycle within the first set: the set starts with the stream.
    const first = position - BigInt(index) < 1n ? 1n : position - BigInt(index);
    const id = blockId > BigInt(MAX_BLOCK_ID_16) || this.wraps === 0n ? first : ((first - 1n) % BigInt(MAX_BLOCK_ID_16)) + 1n;
    return { id: Number(id), index, count: config.count };
  }
}
