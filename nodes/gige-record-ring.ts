/**
 * The frames gige-record holds in memory, bounded in count and bytes: the ring of the last N frames
 * (evicting the oldest) and, in "every frame" mode, the queue of frames waiting for the disk
 * (refusing the newest). A frame held by the ring and by a capture being written counts once.
 */
import type { FrameRecord } from './gige-record-files';

/**
 * Memory a frame keeps alive: the whole ArrayBuffer under its payload (a detached frame's view
 * keeps its pool block — image, chunks and page rounding), except for Node's small shared pool.
 */
export function heldBytes(payload: Buffer): number {
  return payload.buffer.byteLength > Buffer.poolSize ? Math.max(payload.byteLength, payload.buffer.byteLength) : payload.byteLength;
}

/** Reference counts of the frames held anywhere in one node, and their bytes. */
export class FrameHoldings {
  private readonly refs = new Map<FrameRecord, number>();
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  get frames(): number {
    return this.refs.size;
  }

  hold(record: FrameRecord): void {
    const count = this.refs.get(record) ?? 0;
    if (count === 0) this.total += heldBytes(record.payload);
    this.refs.set(record, count + 1);
  }

  drop(record: FrameRecord): void {
    const count = this.refs.get(record);
    if (count === undefined) return;
    if (count > 1) {
      this.refs.set(record, count - 1);
      return;
    }
    this.refs.delete(record);
    this.total -= heldBytes(record.payload);
  }
}

/** The last `maxFrames` frames, within `maxBytes` (the oldest go first; the newest is always kept). */
export class FrameRing {
  private readonly records: FrameRecord[] = [];
  private total = 0;

  constructor(
    private readonly holdings: FrameHoldings,
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.records.length;
  }

  get bytes(): number {
    return this.total;
  }

  push(record: FrameRecord): void {
    this.records.push(record);
    this.total += heldBytes(record.payload);
    this.holdings.hold(record);
    while (this.records.length > 1 && (this.records.length > this.maxFrames || this.total > this.maxBytes)) {
      const oldest = this.records.shift() as FrameRecord;
      this.total -= heldBytes(oldest.payload);
      this.holdings.drop(oldest);
    }
  }

  /** The frames now in the ring, oldest first, each held once more for the caller (drop each when done). */
  snapshot(): FrameRecord[] {
    for (const record of this.records) this.holdings.hold(record);
    return [...this.records];
  }

  clear(): void {
    for (const record of this.records) this.holdings.drop(record);
    this.records.length = 0;
    this.total = 0;
  }
}

/** A bounded first-in first-out queue of frames to write: a full queue refuses (the caller counts it). */
export class FrameQueue {
  private readonly records: FrameRecord[] = [];
  private total = 0;

  constructor(
    private readonly holdings: FrameHoldings,
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.records.length;
  }

  /** False when the queue is full (by count or bytes); an empty queue takes any one frame. */
  offer(record: FrameRecord): boolean {
    const size = heldBytes(record.payload);
    if (this.records.length > 0 && (this.records.length >= this.maxFrames || this.total + size > this.maxBytes)) return false;
    this.records.push(record);
    this.total += size;
    this.holdings.hold(record);
    return true;
  }

  /** The oldest frame; the caller drops its hold once written. */
  take(): FrameRecord | undefined {
    const record = this.records.shift();
    if (record) this.total -= heldBytes(record.payload);
    return record;
  }
}
